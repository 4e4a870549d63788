// How the runtime manager names a pod, and its grace-period bounds. The pod itself is the
// API's core/v1 Pod (src/api/core); every pod the kubelet handles has metadata.name and uid
// set (the API server sets them, and the pod config sets a static pod's), hence `metadata.uid!`.
import type { Pod } from '../../api/core/index.ts';

export function podNamespace(pod: Pick<Pod, 'metadata'>): string {
  return pod.metadata.namespace || 'default';
}

/** Upstream's format.Pod: `name_namespace(uid)`, used in events and messages. */
export function formatPod(pod: Pick<Pod, 'metadata'>): string {
  return `${pod.metadata.name}_${podNamespace(pod)}(${pod.metadata.uid})`;
}

/** Upstream's minimum: a grace period under 2 s is raised to 2 s before StopContainer. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
