// The kubelet's resolved settings: upstream's defaults, overlaid by the KubeletConfiguration file,
// overlaid by the flags given on the command line (flags win, as upstream).
import type { Quantity } from '../../api/quantity.ts';
import type { LogFormat } from '../log.ts';
import { defaultEvictionHard, parseEvictionThresholds, type EvictionThreshold, type Taint } from './values.ts';

export interface KubeletOptions {
  kubeconfig?: string;
  apiServers: string[];
  /** The --config file, when it named a file. */
  configFile?: string;
  registerNode: boolean;
  registerWithTaints: Taint[];
  nodeStatusUpdateFrequencyMs: number;
  nodeStatusReportFrequencyMs: number;
  nodeLeaseDurationSeconds: number;
  nodeStatusMaxImages: number;
  hostnameOverride?: string;
  nodeIP?: string;
  nodeLabels: Record<string, string>;
  maxPods: number;
  kubeReserved: Record<string, Quantity>;
  systemReserved: Record<string, Quantity>;
  evictionHard: EvictionThreshold[];
  /** Image GC: usage of the image filesystem (percent) that starts it and that it frees down to. */
  imageGCHighThresholdPercent: number;
  imageGCLowThresholdPercent: number;
  /** An image younger than this is never removed for space; one unused longer than the maximum (0: off) always is. */
  imageMinimumGCAgeMs: number;
  imageMaximumGCAgeMs: number;
  rootDir: string;
  containerRuntimeEndpoint: string;
  runtimeRequestTimeoutMs: number;
  address: string;
  port: number;
  healthzPort: number;
  healthzBindAddress: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** Defaults to <rootDir>/pki. */
  certDir?: string;
  clientCAFile?: string;
  anonymousAuth: boolean;
  authenticationTokenWebhook: boolean;
  authorizationMode: 'AlwaysAllow' | 'Webhook';
  /** How long the kubelet reuses a TokenReview's answer, and a SubjectAccessReview's when allowed and not. */
  authenticationTokenWebhookCacheTTLMs: number;
  authorizationWebhookCacheAuthorizedTTLMs: number;
  authorizationWebhookCacheUnauthorizedTTLMs: number;
  clusterDNS: string[];
  clusterDomain: string;
  resolvConf: string;
  cgroupDriver: 'cgroupfs' | 'systemd';
  cgroupsPerQOS: boolean;
  /** What node allocatable is enforced on: ["pods"] (kubepods capped at allocatable), or none. */
  enforceNodeAllocatable: string[];
  /** podPidsLimit (--pod-max-pids): each pod cgroup's pids.max; -1 for none. */
  podPidsLimit: number;
  syncFrequencyMs: number;
  failSwapOn: boolean;
  cloudProvider: '' | 'external';
  /** The static pod directory: --pod-manifest-path, staticPodPath, or a --config naming a directory. */
  staticPodPath?: string;
  podInfraContainerImage: string;
  loggingFormat: LogFormat;
  /** --v / logging.verbosity: klog's V level. */
  verbosity: number;
  /** --manifest-url (staticPodURL) and its headers (--manifest-url-header, staticPodURLHeader). */
  manifestURL?: string;
  manifestURLHeader: Record<string, string[]>;
  fileCheckFrequencyMs: number;
  httpCheckFrequencyMs: number;
  /** Where container logs go: <podLogsDir>/<ns>_<name>_<uid>/<container>/<restart>.log. */
  podLogsDir: string;
  containerLogMaxSize: string;
  containerLogMaxFiles: number;
  /** Event writes per second (0: no limit) and their burst (eventRecordQPS, eventBurst). */
  eventRecordQPS: number;
  eventBurst: number;
  /** The stats UI and cAdvisor API port (0 turns it off) and its bind address. */
  cadvisorPort: number;
  cadvisorBindAddress: string;
  /** How often the built-in cAdvisor samples every container (--housekeeping-interval). */
  housekeepingIntervalMs: number;
  /** How long samples are kept in memory (--stats-storage-duration). */
  statsStorageDurationMs: number;
  /** How often volume usage is measured (volumeStatsAggPeriod; 0 turns it off). */
  volumeStatsAggPeriodMs: number;
}

/**
 * Defaults when no config file is given: v1beta1's, with upstream's legacy flag defaults on top
 * (anonymous auth on, webhook authentication off, AlwaysAllow), as upstream's kubelet does.
 */
export function defaultOptions(): KubeletOptions {
  return {
    apiServers: [],
    registerNode: true,
    registerWithTaints: [],
    nodeStatusUpdateFrequencyMs: 10_000,
    nodeStatusReportFrequencyMs: 5 * 60_000,
    nodeLeaseDurationSeconds: 40,
    nodeStatusMaxImages: 50,
    nodeLabels: {},
    maxPods: 110,
    kubeReserved: {},
    systemReserved: {},
    evictionHard: parseEvictionThresholds(defaultEvictionHard),
    imageGCHighThresholdPercent: 85,
    imageGCLowThresholdPercent: 80,
    imageMinimumGCAgeMs: 2 * 60_000,
    imageMaximumGCAgeMs: 0,
    rootDir: '/var/lib/berth/kubelet',
    containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
    runtimeRequestTimeoutMs: 2 * 60_000,
    address: '0.0.0.0',
    port: 10250,
    healthzPort: 10248,
    healthzBindAddress: '127.0.0.1',
    anonymousAuth: true,
    authenticationTokenWebhook: false,
    authorizationMode: 'AlwaysAllow',
    authenticationTokenWebhookCacheTTLMs: 2 * 60_000,
    authorizationWebhookCacheAuthorizedTTLMs: 5 * 60_000,
    authorizationWebhookCacheUnauthorizedTTLMs: 30_000,
    clusterDNS: [],
    clusterDomain: '',
    resolvConf: '/etc/resolv.conf',
    cgroupDriver: 'cgroupfs',
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    podPidsLimit: -1,
    syncFrequencyMs: 60_000,
    failSwapOn: true,
    cloudProvider: '',
    podInfraContainerImage: 'registry.k8s.io/pause:3.10',
    loggingFormat: 'text',
    verbosity: 0,
    manifestURLHeader: {},
    fileCheckFrequencyMs: 20_000,
    httpCheckFrequencyMs: 20_000,
    podLogsDir: '/var/log/pods',
    containerLogMaxSize: '10Mi',
    containerLogMaxFiles: 5,
    eventRecordQPS: 50,
    eventBurst: 100,
    cadvisorPort: 4194,
    cadvisorBindAddress: '127.0.0.1',
    housekeepingIntervalMs: 10_000,
    statsStorageDurationMs: 2 * 60_000,
    volumeStatsAggPeriodMs: 60_000,
  };
}

/** The defaults a v1beta1 KubeletConfiguration file starts from (secure authn/authz, as upstream). */
export function configFileDefaults(): Partial<KubeletOptions> {
  return { anonymousAuth: false, authenticationTokenWebhook: true, authorizationMode: 'Webhook' };
}

/** defaults < config file < explicitly given flags; --pod-manifest-path is a flag so it wins too. */
export function mergeOptions(file: Partial<KubeletOptions> | undefined, flags: Partial<KubeletOptions>): KubeletOptions {
  return { ...defaultOptions(), ...(file ? configFileDefaults() : {}), ...definedOnly(file ?? {}), ...definedOnly(flags) };
}

/** The options a layer sets: an undefined one leaves the layer below it in place. */
function definedOnly(layer: Partial<KubeletOptions>): Partial<KubeletOptions> {
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined));
}

export function certDirOf(o: KubeletOptions): string {
  return o.certDir ?? `${o.rootDir.replace(/\/+$/, '')}/pki`;
}
