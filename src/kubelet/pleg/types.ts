// What one relist sees of a pod (upstream's kubecontainer.Pod: IDs and states only, no details),
// and the lifecycle events the PLEG derives from two consecutive relists.
import type { ContainerStateName } from '../container/types.ts';

export interface RelistContainer { id: string; name: string; state: ContainerStateName }
export interface RelistSandbox { id: string; state: 'ready' | 'notready' }
export interface RelistPod {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: RelistSandbox[];
  containers: RelistContainer[];
}

export type PodLifecycleEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved' | 'ContainerChanged' | 'PodSync';

export interface PodLifecycleEvent {
  /** The pod's UID. */
  id: string;
  type: PodLifecycleEventType;
  /** The container (or sandbox) ID, for container events. */
  data?: string;
}
