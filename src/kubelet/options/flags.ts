// The kubelet's command-line flags, named and defaulted as upstream's (plus the legacy names the
// older documentation uses). Each parser throws commander's InvalidArgumentError, so a bad value
// is reported with the flag and the value and the command exits with code 2.
import { Command, InvalidArgumentError } from 'commander';
import { boolFlag, durationFlag, intFlag, listFlag, portFlag } from '../../cli/flags.ts';
import { formatDuration } from '../../api/duration.ts';
import type { KubeletOptions } from './options.ts';
import { defaultOptions } from './options.ts';
import { parseEvictionThresholds, parseMap, parseReservation, parseTaint, type EvictionThreshold } from './values.ts';

type Parser = (value: string, previous: unknown) => unknown;

interface FlagSpec {
  flags: string;
  key: keyof KubeletOptions | 'config' | 'podManifestPath';
  description: string;
  parse?: Parser;
  /** Shown in --help only; real defaults live in defaultOptions() so the config file can override them. */
  shownDefault?: string;
}

const wrap = <T>(fn: (v: string) => T): Parser => (v) => {
  try {
    return fn(v);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw e;
    throw new InvalidArgumentError((e as Error).message);
  }
};
const mergeMaps = (fn: (v: string) => Record<string, unknown>): Parser => (v, prev) => ({ ...((prev as object) ?? {}), ...wrap(fn)(v, undefined) as object });
const bool: Parser = (v) => boolFlag(v);
const duration: Parser = (v) => durationFlag(v);
const nonNegative: Parser = wrap((v) => {
  const n = intFlag(v);
  if (n < 0) throw new InvalidArgumentError(`invalid value ${JSON.stringify(v)}: must not be negative`);
  return n;
});

export function cloudProviderFlag(v: string): '' | 'external' {
  if (v === '' || v === 'external') return v;
  throw new InvalidArgumentError(`unknown cloud provider ${JSON.stringify(v)}: Berth has no in-tree cloud providers; use --cloud-provider=external with an external cloud controller manager, or leave it empty`);
}

function choice<T extends string>(...allowed: T[]): Parser {
  return (v) => {
    if (!(allowed as string[]).includes(v)) throw new InvalidArgumentError(`invalid value ${JSON.stringify(v)}: must be one of ${allowed.join(', ')}`);
    return v as T;
  };
}

const d = defaultOptions();
const ms = formatDuration;

export const kubeletFlags: FlagSpec[] = [
  { flags: '--config <path>', key: 'config', description: 'KubeletConfiguration file (kubelet.config.k8s.io/v1beta1, YAML or JSON); flags override it. A directory here is the legacy static pod manifest directory' },
  { flags: '--kubeconfig <file>', key: 'kubeconfig', description: 'kubeconfig with the API server location and the kubelet\'s credentials' },
  { flags: '--api-servers <urls>', key: 'apiServers', description: 'legacy: API server URLs, comma separated (uses the credentials of --kubeconfig)', parse: (v) => listFlag(v) },
  { flags: '--register-node [bool]', key: 'registerNode', description: 'register the Node with the API server', parse: bool, shownDefault: 'true' },
  { flags: '--register-with-taints <taints>', key: 'registerWithTaints', description: 'taints to register the Node with (key=value:Effect, comma separated)', parse: wrap((v) => listFlag(v).map(parseTaint)) },
  { flags: '--node-status-update-frequency <duration>', key: 'nodeStatusUpdateFrequencyMs', description: 'how often the kubelet computes node status', parse: duration, shownDefault: ms(d.nodeStatusUpdateFrequencyMs) },
  { flags: '--node-status-report-frequency <duration>', key: 'nodeStatusReportFrequencyMs', description: 'how often node status is posted when nothing changed', parse: duration, shownDefault: ms(d.nodeStatusReportFrequencyMs) },
  { flags: '--node-lease-duration-seconds <n>', key: 'nodeLeaseDurationSeconds', description: 'duration of the node Lease; renewed every quarter of it', parse: wrap((v) => { const n = intFlag(v); if (n <= 0) throw new InvalidArgumentError(`invalid value ${JSON.stringify(v)}: must be greater than 0`); return n; }), shownDefault: String(d.nodeLeaseDurationSeconds) },
  { flags: '--node-status-max-images <n>', key: 'nodeStatusMaxImages', description: 'maximum number of images in node status (-1: no cap)', parse: wrap(intFlag), shownDefault: String(d.nodeStatusMaxImages) },
  { flags: '--hostname-override <name>', key: 'hostnameOverride', description: 'the node name instead of the machine\'s hostname' },
  { flags: '--node-ip <ip>', key: 'nodeIP', description: 'the node\'s InternalIP (default: the first non-loopback IPv4 address)' },
  { flags: '--node-labels <labels>', key: 'nodeLabels', description: 'labels to add to the Node (key=value, comma separated)', parse: mergeMaps((v) => parseMap(v)) },
  { flags: '--max-pods <n>', key: 'maxPods', description: 'maximum number of pods on this node', parse: nonNegative, shownDefault: String(d.maxPods) },
  { flags: '--kube-reserved <resources>', key: 'kubeReserved', description: 'resources reserved for Kubernetes components (cpu=100m,memory=100Mi,ephemeral-storage=1Gi,pid=1000)', parse: mergeMaps((v) => parseReservation(parseMap(v))) },
  { flags: '--system-reserved <resources>', key: 'systemReserved', description: 'resources reserved for the system (same form as --kube-reserved)', parse: mergeMaps((v) => parseReservation(parseMap(v))) },
  { flags: '--eviction-hard <thresholds>', key: 'evictionHard', description: 'hard eviction thresholds (memory.available<100Mi,nodefs.available<10%)', parse: wrap((v): EvictionThreshold[] => parseEvictionThresholds(parseMap(v, '<'))), shownDefault: 'imagefs.available<15%,imagefs.inodesFree<5%,memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%' },
  { flags: '--image-gc-high-threshold <percent>', key: 'imageGCHighThresholdPercent', description: 'image filesystem usage (percent) at or above which image garbage collection runs; 100 turns it off', parse: nonNegative, shownDefault: String(d.imageGCHighThresholdPercent) },
  { flags: '--image-gc-low-threshold <percent>', key: 'imageGCLowThresholdPercent', description: 'image filesystem usage (percent) image garbage collection frees down to', parse: nonNegative, shownDefault: String(d.imageGCLowThresholdPercent) },
  { flags: '--minimum-image-ttl-duration <duration>', key: 'imageMinimumGCAgeMs', description: 'minimum age of an unused image before it is garbage collected', parse: duration, shownDefault: ms(d.imageMinimumGCAgeMs) },
  { flags: '--root-dir <dir>', key: 'rootDir', description: 'directory for the kubelet\'s files', shownDefault: d.rootDir },
  { flags: '--container-runtime-endpoint <endpoint>', key: 'containerRuntimeEndpoint', description: 'CRI endpoint (unix:// URL or socket path)', shownDefault: d.containerRuntimeEndpoint },
  { flags: '--runtime-request-timeout <duration>', key: 'runtimeRequestTimeoutMs', description: 'timeout of runtime requests', parse: duration, shownDefault: ms(d.runtimeRequestTimeoutMs) },
  { flags: '--pod-manifest-path <dir>', key: 'podManifestPath', description: 'static pod manifest directory (wins over staticPodPath)' },
  { flags: '--manifest-url <url>', key: 'manifestURL', description: 'URL of static pod manifests (a Pod, a PodList or a v1 List)' },
  { flags: '--manifest-url-header <header>', key: 'manifestURLHeader', description: "header for --manifest-url requests, 'Key:Value' (repeatable)", parse: (v, prev) => {
    const i = v.indexOf(':');
    if (i <= 0) throw new InvalidArgumentError(`invalid header ${JSON.stringify(v)}: use 'Key:Value'`);
    const out = { ...((prev as Record<string, string[]>) ?? {}) };
    const key = v.slice(0, i);
    out[key] = [...(out[key] ?? []), v.slice(i + 1)];
    return out;
  } },
  { flags: '--file-check-frequency <duration>', key: 'fileCheckFrequencyMs', description: 'how often the static pod directory is re-read', parse: duration, shownDefault: ms(d.fileCheckFrequencyMs) },
  { flags: '--http-check-frequency <duration>', key: 'httpCheckFrequencyMs', description: 'how often --manifest-url is fetched', parse: duration, shownDefault: ms(d.httpCheckFrequencyMs) },
  { flags: '--container-log-max-size <quantity>', key: 'containerLogMaxSize', description: 'rotate a container log when it reaches this size', shownDefault: d.containerLogMaxSize },
  { flags: '--container-log-max-files <n>', key: 'containerLogMaxFiles', description: 'log files kept per container', parse: wrap((v) => { const n = intFlag(v); if (n < 2) throw new InvalidArgumentError(`invalid value ${JSON.stringify(v)}: must be at least 2`); return n; }), shownDefault: String(d.containerLogMaxFiles) },
  { flags: '--address <ip>', key: 'address', description: 'address the kubelet API listens on', shownDefault: d.address },
  { flags: '--port <port>', key: 'port', description: 'kubelet API port', parse: (v) => portFlag(v), shownDefault: String(d.port) },
  { flags: '--healthz-port <port>', key: 'healthzPort', description: 'healthz port (0 disables)', parse: (v) => portFlag(v), shownDefault: String(d.healthzPort) },
  { flags: '--healthz-bind-address <ip>', key: 'healthzBindAddress', description: 'healthz address', shownDefault: d.healthzBindAddress },
  { flags: '--tls-cert-file <file>', key: 'tlsCertFile', description: 'serving certificate (self-signed under --cert-dir when not given)' },
  { flags: '--tls-private-key-file <file>', key: 'tlsPrivateKeyFile', description: 'serving key' },
  { flags: '--cert-dir <dir>', key: 'certDir', description: 'directory for the self-signed serving certificate', shownDefault: '<root-dir>/pki' },
  { flags: '--client-ca-file <file>', key: 'clientCAFile', description: 'CA that signs client certificates of kubelet API callers' },
  { flags: '--anonymous-auth [bool]', key: 'anonymousAuth', description: 'allow anonymous requests to the kubelet API', parse: bool, shownDefault: 'true' },
  { flags: '--authentication-token-webhook [bool]', key: 'authenticationTokenWebhook', description: 'authenticate bearer tokens with TokenReview', parse: bool, shownDefault: 'false' },
  { flags: '--authentication-token-webhook-cache-ttl <duration>', key: 'authenticationTokenWebhookCacheTTLMs', description: 'how long TokenReview answers are kept', parse: duration, shownDefault: ms(d.authenticationTokenWebhookCacheTTLMs) },
  { flags: '--authorization-webhook-cache-authorized-ttl <duration>', key: 'authorizationWebhookCacheAuthorizedTTLMs', description: 'how long allowing SubjectAccessReview answers are kept', parse: duration, shownDefault: ms(d.authorizationWebhookCacheAuthorizedTTLMs) },
  { flags: '--authorization-webhook-cache-unauthorized-ttl <duration>', key: 'authorizationWebhookCacheUnauthorizedTTLMs', description: 'how long denying SubjectAccessReview answers are kept', parse: duration, shownDefault: ms(d.authorizationWebhookCacheUnauthorizedTTLMs) },
  { flags: '--authorization-mode <mode>', key: 'authorizationMode', description: 'AlwaysAllow or Webhook', parse: choice('AlwaysAllow', 'Webhook'), shownDefault: 'AlwaysAllow' },
  { flags: '--cluster-dns <ips>', key: 'clusterDNS', description: 'DNS server IPs for pods, comma separated', parse: (v, prev) => [...((prev as string[]) ?? []), ...listFlag(v)] },
  { flags: '--cluster-domain <domain>', key: 'clusterDomain', description: 'cluster DNS domain' },
  { flags: '--resolv-conf <file>', key: 'resolvConf', description: 'resolver configuration for pods', shownDefault: d.resolvConf },
  { flags: '--cgroup-driver <driver>', key: 'cgroupDriver', description: 'cgroupfs (Berth has no systemd cgroup driver)', parse: choice('cgroupfs', 'systemd'), shownDefault: d.cgroupDriver },
  { flags: '--enforce-node-allocatable <levels>', key: 'enforceNodeAllocatable', description: 'what node allocatable is enforced on: pods (the default), or none', parse: (v) => listFlag(v) },
  { flags: '--pod-max-pids <n>', key: 'podPidsLimit', description: 'the most processes in a pod (-1: no limit)', parse: wrap(intFlag), shownDefault: '-1' },
  { flags: '--cgroups-per-qos [bool]', key: 'cgroupsPerQOS', description: 'create the QoS cgroup hierarchy', parse: bool, shownDefault: 'true' },
  { flags: '--sync-frequency <duration>', key: 'syncFrequencyMs', description: 'maximum period between pod resyncs', parse: duration, shownDefault: ms(d.syncFrequencyMs) },
  { flags: '--fail-swap-on [bool]', key: 'failSwapOn', description: 'fail to start when swap is on', parse: bool, shownDefault: 'true' },
  { flags: '--cloud-provider <provider>', key: 'cloudProvider', description: 'empty or "external" (Berth has no in-tree cloud providers)', parse: (v) => cloudProviderFlag(v) },
  { flags: '--pod-infra-container-image <image>', key: 'podInfraContainerImage', description: 'sandbox image protected from image garbage collection (the runtime chooses the sandbox image)', shownDefault: d.podInfraContainerImage },
  { flags: '--event-qps <n>', key: 'eventRecordQPS', description: 'event writes per second (0: no limit)', parse: nonNegative, shownDefault: String(d.eventRecordQPS) },
  { flags: '--event-burst <n>', key: 'eventBurst', description: 'event writes allowed in a burst', parse: nonNegative, shownDefault: String(d.eventBurst) },
  { flags: '--cadvisor-port <port>', key: 'cadvisorPort', description: 'port of the stats UI and cAdvisor JSON API (0 turns it off)', parse: (v) => portFlag(v), shownDefault: String(d.cadvisorPort) },
  { flags: '--cadvisor-bind-address <ip>', key: 'cadvisorBindAddress', description: 'address of the stats UI; anywhere but loopback it asks for the kubelet API\'s authentication and authorization', shownDefault: d.cadvisorBindAddress },
  { flags: '--housekeeping-interval <duration>', key: 'housekeepingIntervalMs', description: 'interval between container stats samples', parse: duration, shownDefault: ms(d.housekeepingIntervalMs) },
  { flags: '--stats-storage-duration <duration>', key: 'statsStorageDurationMs', description: 'how long container stats are kept in memory', parse: duration, shownDefault: ms(d.statsStorageDurationMs) },
  { flags: '--volume-stats-agg-period <duration>', key: 'volumeStatsAggPeriodMs', description: 'how often the disk usage of volumes and container logs is measured (0: volumes never, logs every housekeeping)', parse: duration, shownDefault: ms(d.volumeStatsAggPeriodMs) },
  { flags: '-v, --v <level>', key: 'verbosity', description: 'log level verbosity: info lines up to this level are printed', parse: nonNegative, shownDefault: '0' },
  { flags: '--logging-format <format>', key: 'loggingFormat', description: 'text or json', parse: choice('text', 'json'), shownDefault: 'text' },
];

/** Adds every kubelet flag to the command. */
export function addKubeletFlags(cmd: Command): Command {
  for (const spec of kubeletFlags) {
    const desc = spec.shownDefault !== undefined ? `${spec.description} (default ${spec.shownDefault})` : spec.description;
    if (spec.parse) cmd.option(spec.flags, desc, spec.parse as (v: string, p: unknown) => unknown);
    else cmd.option(spec.flags, desc);
  }
  return cmd;
}

export interface GivenFlags {
  /** Options set explicitly on the command line. */
  options: Partial<KubeletOptions>;
  config?: string;
  podManifestPath?: string;
}

/** The flags given on the command line (never commander defaults: the config file may set those). */
export function givenFlags(cmd: Command): GivenFlags {
  const values = cmd.opts() as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  let config: string | undefined;
  let podManifestPath: string | undefined;
  for (const spec of kubeletFlags) {
    const attr = attributeName(spec.flags);
    const value = values[attr];
    if (value === undefined) continue;
    if (spec.key === 'config') config = String(value);
    else if (spec.key === 'podManifestPath') podManifestPath = String(value);
    else options[spec.key] = value;
  }
  return { options: options as Partial<KubeletOptions>, config, podManifestPath };
}

/** commander's attribute name: '--node-status-update-frequency <d>' → 'nodeStatusUpdateFrequency'. */
function attributeName(flags: string): string {
  const long = flags.split(/[ ,|]+/).find((s) => s.startsWith('--'))!.slice(2);
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
