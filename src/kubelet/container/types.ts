// The runtime's view of a pod, as upstream's kubecontainer.PodStatus: what the CRI reports.
export interface ContainerID { type: string /* 'containerd' */; id: string }
export type ContainerStateName = 'created' | 'running' | 'exited' | 'unknown';
export interface RuntimeContainerStatus {
  id: ContainerID;
  name: string;
  state: ContainerStateName;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  reason?: string;       // 'OOMKilled', 'Completed', 'Error', ...
  message?: string;      // termination message
  image: string;         // as in the spec
  imageRef: string;      // image ID (digest)
  imageId?: string;
  hash: string;          // io.kubernetes.container.hash annotation
  restartCount: number;  // io.kubernetes.container.restartCount annotation
  logPath?: string;
}
export interface RuntimeSandboxStatus {
  id: string;
  state: 'ready' | 'notready';
  createdAt: Date;
  attempt: number;
  ip?: string;
  additionalIps: string[];
  hostNetwork: boolean;
}
export interface RuntimePodStatus {
  uid: string;
  name: string;
  namespace: string;
  ips: string[];
  /** Newest first. */
  sandboxes: RuntimeSandboxStatus[];
  /** Newest first for each container name. */
  containers: RuntimeContainerStatus[];
  timestamp: Date;
}
