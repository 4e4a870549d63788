// The API's PodStatus as plain JSON (the shape the API server stores and the kubelet patches).
// Timestamps are RFC 3339 strings with second precision, as upstream serializes metav1.Time.

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface ContainerStateWaiting { reason?: string; message?: string }
export interface ContainerStateRunning { startedAt?: string }
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
}

export interface PodIP { ip: string }

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: PodIP[];
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
  qosClass?: string;
  resourceClaimStatuses?: unknown[];
  [key: string]: unknown;
}

/** Condition types the kubelet owns (upstream's PodConditionsByKubelet); all others belong to someone else. */
export const kubeletOwnedConditions: readonly string[] = [
  'PodScheduled',
  'Ready',
  'Initialized',
  'ContainersReady',
  'PodReadyToStartContainers',
];

export function isKubeletOwnedCondition(type: string): boolean {
  return kubeletOwnedConditions.includes(type);
}

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Sidecars: init containers with `restartPolicy: Always` (upstream's IsRestartableInitContainer). */
export function isRestartableInitContainer(container: { restartPolicy?: string } | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

/** A static pod comes from a file or URL, not the API server (annotation kubernetes.io/config.source). */
export function isStaticPod(pod: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const source = pod.metadata?.annotations?.['kubernetes.io/config.source'];
  return source !== undefined && source !== 'api';
}

export function isMirrorPod(pod: { metadata?: { annotations?: Record<string, string> } }): boolean {
  return pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
}
