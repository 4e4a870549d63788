// The pod strategy: defaulting and status reset on create, the immutable-spec update rules,
// the kubelet's status writes, graceful deletion, field selectors and the `kubectl get pods` table.
import type { Pod } from '../../../api/core/index.ts';
import { applyPodDefaults } from '../../../api/pod/defaults.ts';
import { podQOSClass } from '../../../api/pod/qos.ts';
import { validatePod } from '../../../api/pod/validation.ts';
import { selectableFields, type Strategy } from '../strategy.ts';
import { keepAllButStatus, keepStatus } from './common.ts';
import { podEphemeralContainersStrategy } from './pod_ephemeral.ts';
import { podTable } from './pod_table.ts';
import { syncPodIPs, validatePodStatusUpdate, validatePodUpdate } from './pod_update.ts';

export const podFields = selectableFields<Pod>({
  'spec.nodeName': (pod) => pod.spec?.nodeName ?? '',
  'spec.restartPolicy': (pod) => pod.spec?.restartPolicy ?? '',
  'spec.schedulerName': (pod) => pod.spec?.schedulerName ?? '',
  'spec.serviceAccountName': (pod) => pod.spec?.serviceAccountName ?? '',
  'spec.hostNetwork': (pod) => String(pod.spec?.hostNetwork === true),
  'status.phase': (pod) => pod.status?.phase ?? '',
  'status.podIP': (pod) => pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '',
  'status.nominatedNodeName': (pod) => pod.status?.nominatedNodeName ?? '',
});

/**
 * The grace period a DELETE gives a pod: one bound to a node and not finished waits for its
 * kubelet (the request's period, else the pod's own, else 30 s); any other goes at once.
 */
export function podGracePeriod(pod: Pod, requested: number | undefined): number {
  const phase = pod.status?.phase;
  if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  let grace = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  // Upstream turns a negative grace period into 1 second (the smallest graceful one).
  if (grace < 0) grace = 1;
  return grace;
}

export const podStrategy: Strategy<Pod> = {
  prepareForCreate(pod) {
    applyPodDefaults(pod);
    // A negative grace period is stored as the shortest graceful one.
    if (typeof pod.spec.terminationGracePeriodSeconds === 'number' && pod.spec.terminationGracePeriodSeconds < 0) {
      pod.spec.terminationGracePeriodSeconds = 1;
    }
    pod.status = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  },
  validate: validatePod,
  prepareForUpdate(pod, old) {
    applyPodDefaults(pod);
    keepStatus(pod, old);
  },
  validateUpdate: validatePodUpdate,
  prepareForStatusUpdate(pod, old) {
    keepAllButStatus(pod, old, { labelsAndAnnotations: true });
    pod.status ??= {};
    syncPodIPs(pod.status);
    // The QoS class is decided at creation and never changes.
    if (old.status?.qosClass) pod.status.qosClass = old.status.qosClass;
  },
  validateStatusUpdate: validatePodStatusUpdate,
  subresourceUpdates: { ephemeralcontainers: podEphemeralContainersStrategy },
  ...podFields,
  table: podTable,
  // Pods had no metadata.generation semantics in 1.32.
  bumpsGeneration: () => false,
  gracePeriod: podGracePeriod,
};

export { applyBinding, validateBinding } from './pod_binding.ts';
