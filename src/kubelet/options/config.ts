// KubeletConfiguration (kubelet.config.k8s.io/v1beta1) files, YAML or JSON, decoded strictly:
// a field the schema does not know is an error naming it, as upstream's strict decoding. Fields
// upstream knows but Berth does not act on yet are accepted and ignored.
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'yaml';
import { parseDuration } from '../../api/duration.ts';
import type { KubeletOptions } from './options.ts';
import { parseEvictionThresholds, parseReservation, taintFromObject } from './values.ts';
import { isRecord } from '../../api/json.ts';

type Kind = 'string' | 'bool' | 'int' | 'duration' | 'strings' | 'map' | 'taints' | 'any';
interface Field {
  kind: Kind | Schema;
  /** The option this field sets; absent for accepted-but-ignored fields. */
  to?: keyof KubeletOptions;
}
type Schema = { [field: string]: Field };

const f = (kind: Kind | Schema, to?: keyof KubeletOptions): Field => ({ kind, to });
const ignored = (...names: string[]): Schema => Object.fromEntries(names.map((n) => [n, f('any')]));

const schema: Schema = {
  kind: f('string'),
  apiVersion: f('string'),
  staticPodPath: f('string', 'staticPodPath'),
  staticPodURL: f('string', 'manifestURL'),
  staticPodURLHeader: f('any', 'manifestURLHeader'),
  fileCheckFrequency: f('duration', 'fileCheckFrequencyMs'),
  httpCheckFrequency: f('duration', 'httpCheckFrequencyMs'),
  podLogsDir: f('string', 'podLogsDir'),
  containerLogMaxSize: f('string', 'containerLogMaxSize'),
  containerLogMaxFiles: f('int', 'containerLogMaxFiles'),
  syncFrequency: f('duration', 'syncFrequencyMs'),
  volumeStatsAggPeriod: f('duration', 'volumeStatsAggPeriodMs'),
  eventRecordQPS: f('int', 'eventRecordQPS'),
  eventBurst: f('int', 'eventBurst'),
  address: f('string', 'address'),
  port: f('int', 'port'),
  tlsCertFile: f('string', 'tlsCertFile'),
  tlsPrivateKeyFile: f('string', 'tlsPrivateKeyFile'),
  authentication: f({
    anonymous: f({ enabled: f('bool', 'anonymousAuth') }),
    webhook: f({ enabled: f('bool', 'authenticationTokenWebhook'), cacheTTL: f('duration', 'authenticationTokenWebhookCacheTTLMs') }),
    x509: f({ clientCAFile: f('string', 'clientCAFile') }),
  }),
  authorization: f({
    mode: f('string', 'authorizationMode'),
    webhook: f({ cacheAuthorizedTTL: f('duration', 'authorizationWebhookCacheAuthorizedTTLMs'), cacheUnauthorizedTTL: f('duration', 'authorizationWebhookCacheUnauthorizedTTLMs') }),
  }),
  healthzPort: f('int', 'healthzPort'),
  healthzBindAddress: f('string', 'healthzBindAddress'),
  clusterDomain: f('string', 'clusterDomain'),
  clusterDNS: f('strings', 'clusterDNS'),
  nodeStatusUpdateFrequency: f('duration', 'nodeStatusUpdateFrequencyMs'),
  nodeStatusReportFrequency: f('duration', 'nodeStatusReportFrequencyMs'),
  nodeLeaseDurationSeconds: f('int', 'nodeLeaseDurationSeconds'),
  nodeStatusMaxImages: f('int', 'nodeStatusMaxImages'),
  runtimeRequestTimeout: f('duration', 'runtimeRequestTimeoutMs'),
  cgroupDriver: f('string', 'cgroupDriver'),
  cgroupsPerQOS: f('bool', 'cgroupsPerQOS'),
  enforceNodeAllocatable: f('strings', 'enforceNodeAllocatable'),
  podPidsLimit: f('int', 'podPidsLimit'),
  maxPods: f('int', 'maxPods'),
  resolvConf: f('string', 'resolvConf'),
  kubeReserved: f('map', 'kubeReserved'),
  systemReserved: f('map', 'systemReserved'),
  evictionHard: f('map', 'evictionHard'),
  imageGCHighThresholdPercent: f('int', 'imageGCHighThresholdPercent'),
  imageGCLowThresholdPercent: f('int', 'imageGCLowThresholdPercent'),
  imageMinimumGCAge: f('duration', 'imageMinimumGCAgeMs'),
  imageMaximumGCAge: f('duration', 'imageMaximumGCAgeMs'),
  failSwapOn: f('bool', 'failSwapOn'),
  containerRuntimeEndpoint: f('string', 'containerRuntimeEndpoint'),
  registerNode: f('bool', 'registerNode'),
  registerWithTaints: f('taints', 'registerWithTaints'),
  logging: f({ format: f('string', 'loggingFormat'), verbosity: f('int', 'verbosity'), ...ignored('flushFrequency', 'vmodule', 'options') }),
  ...ignored(
    'enableServer',
    'readOnlyPort', 'tlsCipherSuites', 'tlsMinVersion', 'rotateCertificates', 'serverTLSBootstrap', 'registryPullQPS',
    'registryBurst', 'enableDebuggingHandlers', 'enableContentionProfiling', 'oomScoreAdj',
    'streamingConnectionIdleTimeout', 'nodeMonitorGracePeriod', 'kubeletCgroups', 'systemCgroups',
    'cgroupRoot', 'cpuManagerPolicy', 'cpuManagerPolicyOptions', 'cpuManagerReconcilePeriod', 'memoryManagerPolicy',
    'topologyManagerPolicy', 'topologyManagerScope', 'topologyManagerPolicyOptions', 'qosReserved', 'hairpinMode',
    'podCIDR', 'cpuCFSQuota', 'cpuCFSQuotaPeriod', 'maxOpenFiles', 'contentType', 'kubeAPIQPS',
    'kubeAPIBurst', 'serializeImagePulls', 'maxParallelImagePulls', 'evictionSoft', 'evictionSoftGracePeriod',
    'evictionPressureTransitionPeriod', 'evictionMaxPodGracePeriod', 'evictionMinimumReclaim', 'podsPerCore',
    'enableControllerAttachDetach', 'protectKernelDefaults', 'makeIPTablesUtilChains', 'iptablesMasqueradeBit',
    'iptablesDropBit', 'featureGates', 'memorySwap',
    'containerLogMaxWorkers', 'containerLogMonitorInterval', 'configMapAndSecretChangeDetectionStrategy',
    'systemReservedCgroup', 'kubeReservedCgroup', 'allowedUnsafeSysctls', 'volumePluginDir',
    'providerID', 'kernelMemcgNotification', 'enableSystemLogHandler', 'enableSystemLogQuery', 'shutdownGracePeriod',
    'shutdownGracePeriodCriticalPods', 'shutdownGracePeriodByPodPriority', 'reservedMemory', 'enableProfilingHandler',
    'enableDebugFlagsHandler', 'seccompDefault', 'memoryThrottlingFactor', 'localStorageCapacityIsolation',
    'imageServiceEndpoint', 'failCgroupV1', 'crashLoopBackOff', 'userNamespaces', 'singleProcessOOMKill', 'tracing',
  ),
};

export class ConfigError extends Error {}

/** Decodes a KubeletConfiguration document (YAML or JSON text) into the options it sets. */
export function decodeKubeletConfiguration(text: string): Partial<KubeletOptions> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ConfigError(`not valid YAML or JSON: ${(e as Error).message}`);
  }
  if (!isRecord(doc)) throw new ConfigError('the document is not an object');
  if (doc.kind !== 'KubeletConfiguration') throw new ConfigError(`kind is ${JSON.stringify(doc.kind)}, expected "KubeletConfiguration"`);
  if (doc.apiVersion !== 'kubelet.config.k8s.io/v1beta1') {
    throw new ConfigError(`no kind "KubeletConfiguration" is registered for version ${JSON.stringify(doc.apiVersion)} (Berth reads kubelet.config.k8s.io/v1beta1)`);
  }
  const out: Record<string, unknown> = {};
  decodeInto(doc, schema, '', out);
  return out as Partial<KubeletOptions>;
}

function decodeInto(doc: Record<string, unknown>, s: Schema, prefix: string, out: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(doc)) {
    const path = prefix + key;
    const field = Object.hasOwn(s, key) ? s[key] : undefined;
    if (!field) throw new ConfigError(`strict decoding error: unknown field ${JSON.stringify(path)}`);
    if (value === null || value === undefined) continue;
    if (typeof field.kind === 'object') {
      if (!isRecord(value)) throw new ConfigError(`field ${JSON.stringify(path)}: expected an object, got ${JSON.stringify(value)}`);
      decodeInto(value, field.kind, `${path}.`, out);
      continue;
    }
    const decoded = decodeValue(field.kind, value, path);
    if (field.to) out[field.to] = decoded;
  }
}

function decodeValue(kind: Kind, value: unknown, path: string): unknown {
  const bad = (what: string) => new ConfigError(`field ${JSON.stringify(path)}: ${what}, got ${JSON.stringify(value)}`);
  try {
    switch (kind) {
      case 'any':
        return value;
      case 'string':
        if (typeof value !== 'string') throw bad('expected a string');
        return value;
      case 'bool':
        if (typeof value !== 'boolean') throw bad('expected a boolean');
        return value;
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw bad('expected an integer');
        return value;
      case 'duration':
        if (typeof value !== 'string') throw bad('expected a duration string such as "10s"');
        return parseDuration(value);
      case 'strings':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad('expected a list of strings');
        return value;
      case 'map':
        if (!isRecord(value)) throw bad('expected a map');
        return path === 'evictionHard' ? parseEvictionThresholds(value) : parseReservation(value);
      case 'taints':
        if (!Array.isArray(value)) throw bad('expected a list of taints');
        return value.map(taintFromObject);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`field ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/**
 * What --config names: a KubeletConfiguration file (decoded), or — the legacy meaning — a
 * directory of static pod manifests.
 */
export async function loadConfigArg(path: string): Promise<{ file?: Partial<KubeletOptions>; manifestDir?: string }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new Error(`failed to load kubelet config file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  if (isDir) return { manifestDir: path };
  try {
    return { file: decodeKubeletConfiguration(await readFile(path, 'utf8')) };
  } catch (e) {
    throw new Error(`failed to load kubelet config file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}
