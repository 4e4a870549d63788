// The parts of a v1 Pod that the runtime manager reads, as plain JSON (the API's field names).
// Loose on purpose: pods come from the API server, files and URLs already defaulted.

export interface ObjectFieldSelector { fieldPath: string; apiVersion?: string }
export interface ResourceFieldSelector { containerName?: string; resource: string; divisor?: string | number }
export interface KeySelector { name?: string; key: string; optional?: boolean }
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: ObjectFieldSelector;
    resourceFieldRef?: ResourceFieldSelector;
    configMapKeyRef?: KeySelector;
    secretKeyRef?: KeySelector;
  };
}
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}
export interface ContainerPort { name?: string; containerPort: number; hostPort?: number; hostIP?: string; protocol?: string }
export interface HTTPHeader { name: string; value: string }
export interface LifecycleHandler {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: HTTPHeader[] };
  tcpSocket?: { port: number | string; host?: string };
  sleep?: { seconds: number };
}
export interface Probe { terminationGracePeriodSeconds?: number }
export interface ResourceRequirements { limits?: Record<string, string | number>; requests?: Record<string, string | number> }
export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: ResourceRequirements;
  restartPolicy?: string; // init containers only: 'Always' makes a sidecar
  lifecycle?: { postStart?: LifecycleHandler; preStop?: LifecycleHandler };
  livenessProbe?: Probe;
  startupProbe?: Probe;
  terminationMessagePath?: string;
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}
export interface PodDNSConfig { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] }
export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  fsGroup?: number;
  sysctls?: { name: string; value: string }[];
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  dnsConfig?: PodDNSConfig;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
  serviceAccountName?: string;
  imagePullSecrets?: { name?: string }[];
  securityContext?: PodSecurityContext;
  runtimeClassName?: string;
}
export interface Pod {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec: PodSpec;
  status?: { hostIP?: string; hostIPs?: { ip: string }[]; podIP?: string; podIPs?: { ip: string }[]; qosClass?: string };
}

export function podNamespace(pod: Pod): string {
  return pod.metadata.namespace || 'default';
}

/** Upstream's format.Pod: `name_namespace(uid)`, used in events and messages. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name}_${podNamespace(pod)}(${pod.metadata.uid})`;
}

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** Upstream's minimum: a grace period under 2 s is raised to 2 s before StopContainer. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
