// TypeScript shapes of the CRI v1 messages as the client decodes them.
//
// Decoding choices (see client.ts): field names are camelCase (runtime_name → runtimeName),
// int64/uint64 are JS numbers (nanosecond timestamps lose sub-microsecond precision, which
// nothing in the kubelet needs), enums are their string names ('CONTAINER_RUNNING'), bytes
// are Buffers, and every scalar, list and map is present with its proto3 default. An unset
// nested message decodes as null, so nested message fields are typed `T | null`.
//
// Requests take `In<T>`: a deep-partial shape where anything left out encodes as its default.

export type In<T> = T extends Buffer
  ? Buffer | Uint8Array
  : T extends readonly (infer U)[]
    ? In<U>[]
    : T extends object
      ? { [K in keyof T]?: In<NonNullable<T[K]>> | null }
      : T;

type Labels = Record<string, string>;

// ---- enums ------------------------------------------------------------------

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type SupplementalGroupsPolicy = 'Merge' | 'Strict';
export type ProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';
export type MetricType = 'COUNTER' | 'GAUGE';
export type CgroupDriver = 'SYSTEMD' | 'CGROUPFS';

// ---- shared -----------------------------------------------------------------

export interface VersionResponse { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }
export interface Int64Value { value: number }
export interface UInt64Value { value: number }
export interface KeyValue { key: string; value: string }
export interface SELinuxOption { user: string; role: string; type: string; level: string }
export interface IDMapping { hostId: number; containerId: number; length: number }
export interface UserNamespace { mode: NamespaceMode; uids: IDMapping[]; gids: IDMapping[] }
export interface NamespaceOption {
  network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode; targetId: string; usernsOptions: UserNamespace | null;
}
export interface SecurityProfile { profileType: ProfileType; localhostRef: string }
export interface ImageSpec { image: string; annotations: Labels; userSpecifiedImage: string; runtimeHandler: string }

// ---- sandboxes --------------------------------------------------------------

export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }
export interface PortMapping { protocol: Protocol; containerPort: number; hostPort: number; hostIp: string }
export interface LinuxSandboxSecurityContext {
  namespaceOptions: NamespaceOption | null;
  selinuxOptions: SELinuxOption | null;
  runAsUser: Int64Value | null;
  runAsGroup: Int64Value | null;
  readonlyRootfs: boolean;
  supplementalGroups: number[];
  supplementalGroupsPolicy: SupplementalGroupsPolicy;
  privileged: boolean;
  seccomp: SecurityProfile | null;
  apparmor: SecurityProfile | null;
  seccompProfilePath: string;
}
export interface LinuxPodSandboxConfig {
  cgroupParent: string;
  securityContext: LinuxSandboxSecurityContext | null;
  sysctls: Labels;
  overhead: LinuxContainerResources | null;
  resources: LinuxContainerResources | null;
}
export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null;
  hostname: string;
  logDirectory: string;
  dnsConfig: DNSConfig | null;
  portMappings: PortMapping[];
  labels: Labels;
  annotations: Labels;
  linux: LinuxPodSandboxConfig | null;
  windows: unknown;
}
export interface PodSandboxNetworkStatus { ip: string; additionalIps: { ip: string }[] }
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  createdAt: number;
  network: PodSandboxNetworkStatus | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
  labels: Labels;
  annotations: Labels;
  runtimeHandler: string;
}
export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null; info: Labels; containersStatuses: ContainerStatus[]; timestamp: number;
}
export interface PodSandboxFilter { id: string; state: { state: PodSandboxState } | null; labelSelector: Labels }
export interface PodSandbox {
  id: string; metadata: PodSandboxMetadata | null; state: PodSandboxState; createdAt: number;
  labels: Labels; annotations: Labels; runtimeHandler: string;
}

// ---- containers -------------------------------------------------------------

export interface Mount {
  containerPath: string; hostPath: string; readonly: boolean; selinuxRelabel: boolean;
  propagation: MountPropagation; uidMappings: IDMapping[]; gidMappings: IDMapping[];
  recursiveReadOnly: boolean; image: ImageSpec | null;
}
export interface Device { containerPath: string; hostPath: string; permissions: string }
export interface HugepageLimit { pageSize: string; limit: number }
export interface LinuxContainerResources {
  cpuPeriod: number; cpuQuota: number; cpuShares: number; memoryLimitInBytes: number; oomScoreAdj: number;
  cpusetCpus: string; cpusetMems: string; hugepageLimits: HugepageLimit[]; unified: Labels; memorySwapLimitInBytes: number;
}
export interface Capability { addCapabilities: string[]; dropCapabilities: string[]; addAmbientCapabilities: string[] }
export interface LinuxContainerSecurityContext {
  capabilities: Capability | null;
  privileged: boolean;
  namespaceOptions: NamespaceOption | null;
  selinuxOptions: SELinuxOption | null;
  runAsUser: Int64Value | null;
  runAsGroup: Int64Value | null;
  runAsUsername: string;
  readonlyRootfs: boolean;
  supplementalGroups: number[];
  supplementalGroupsPolicy: SupplementalGroupsPolicy;
  noNewPrivs: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  seccomp: SecurityProfile | null;
  apparmor: SecurityProfile | null;
  apparmorProfile: string;
  seccompProfilePath: string;
}
export interface LinuxContainerConfig {
  resources: LinuxContainerResources | null; securityContext: LinuxContainerSecurityContext | null;
}
export interface ContainerMetadata { name: string; attempt: number }
export interface ContainerConfig {
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  command: string[];
  args: string[];
  workingDir: string;
  envs: KeyValue[];
  mounts: Mount[];
  devices: Device[];
  labels: Labels;
  annotations: Labels;
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  linux: LinuxContainerConfig | null;
  windows: unknown;
  cdiDevices: { name: string }[];
}
export interface ContainerFilter {
  id: string; state: { state: ContainerState } | null; podSandboxId: string; labelSelector: Labels;
}
export interface Container {
  id: string; podSandboxId: string; metadata: ContainerMetadata | null; image: ImageSpec | null; imageRef: string;
  state: ContainerState; createdAt: number; labels: Labels; annotations: Labels; imageId: string;
}
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: ImageSpec | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  mounts: Mount[];
  logPath: string;
  resources: { linux: LinuxContainerResources | null; windows: unknown } | null;
  imageId: string;
  user: { linux: { uid: number; gid: number; supplementalGroups: number[] } | null } | null;
  imageSource: string;
}
export interface ContainerStatusResponse { status: ContainerStatus | null; info: Labels }
export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exitCode: number }

// ---- images -----------------------------------------------------------------

export interface Image {
  id: string; repoTags: string[]; repoDigests: string[]; size: number; uid: Int64Value | null;
  username: string; spec: ImageSpec | null; pinned: boolean; imageSource: string;
}
export interface ImageStatusResponse { image: Image | null; info: Labels }
export interface AuthConfig {
  username: string; password: string; auth: string; serverAddress: string; identityToken: string; registryToken: string;
}
export interface FilesystemUsage {
  timestamp: number; fsId: { mountpoint: string } | null; usedBytes: UInt64Value | null; inodesUsed: UInt64Value | null;
}
export interface ImageFsInfoResponse { imageFilesystems: FilesystemUsage[]; containerFilesystems: FilesystemUsage[] }

// ---- runtime status ---------------------------------------------------------

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
export interface StatusResponse {
  status: { conditions: RuntimeCondition[] } | null;
  info: Labels;
  runtimeHandlers: { name: string; features: { recursiveReadOnlyMounts: boolean; userNamespaces: boolean } | null }[];
  features: { supplementalGroupsPolicy: boolean } | null;
}

// ---- stats ------------------------------------------------------------------

export interface CpuUsage { timestamp: number; usageCoreNanoSeconds: UInt64Value | null; usageNanoCores: UInt64Value | null }
export interface MemoryUsage {
  timestamp: number; workingSetBytes: UInt64Value | null; availableBytes: UInt64Value | null; usageBytes: UInt64Value | null;
  rssBytes: UInt64Value | null; pageFaults: UInt64Value | null; majorPageFaults: UInt64Value | null;
}
export interface SwapUsage { timestamp: number; swapAvailableBytes: UInt64Value | null; swapUsageBytes: UInt64Value | null }
export interface NetworkInterfaceUsage {
  name: string; rxBytes: UInt64Value | null; rxErrors: UInt64Value | null; txBytes: UInt64Value | null; txErrors: UInt64Value | null;
}
export interface NetworkUsage { timestamp: number; defaultInterface: NetworkInterfaceUsage | null; interfaces: NetworkInterfaceUsage[] }
export interface ContainerAttributes { id: string; metadata: ContainerMetadata | null; labels: Labels; annotations: Labels }
export interface ContainerStats {
  attributes: ContainerAttributes | null; cpu: CpuUsage | null; memory: MemoryUsage | null;
  writableLayer: FilesystemUsage | null; swap: SwapUsage | null;
}
export interface ContainerStatsFilter { id: string; podSandboxId: string; labelSelector: Labels }
export interface PodSandboxStats {
  attributes: { id: string; metadata: PodSandboxMetadata | null; labels: Labels; annotations: Labels } | null;
  linux: {
    cpu: CpuUsage | null; memory: MemoryUsage | null; network: NetworkUsage | null;
    process: { timestamp: number; processCount: UInt64Value | null } | null; containers: ContainerStats[];
  } | null;
  windows: unknown;
}
export interface PodSandboxStatsFilter { id: string; labelSelector: Labels }
export interface Metric { name: string; timestamp: number; metricType: MetricType; labelValues: string[]; value: UInt64Value | null }
export interface PodSandboxMetrics {
  podSandboxId: string; metrics: Metric[]; containerMetrics: { containerId: string; metrics: Metric[] }[];
}
