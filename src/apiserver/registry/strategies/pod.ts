// The pod strategy: defaulting and status reset on create, the immutable-spec update rules,
// the kubelet's status writes, field selectors and the `kubectl get pods` table.
import type { KubeObject } from '../../../api/object.ts';
import type { Strategy } from '../strategy.ts';
import { keepAllButStatus, keepStatus } from './common.ts';
import { applyPodDefaults } from '../../../api/pod/defaults.ts';
import { podQOSClass } from '../../../api/pod/qos.ts';
import { podTable } from './pod_table.ts';
import { syncPodIPs, validatePodStatusUpdate, validatePodUpdate } from './pod_update.ts';
import { validatePod } from '../../../api/pod/validation.ts';

export function podFields(pod: KubeObject): Record<string, string> {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  return {
    'spec.nodeName': spec.nodeName ?? '',
    'spec.restartPolicy': spec.restartPolicy ?? '',
    'spec.schedulerName': spec.schedulerName ?? '',
    'spec.serviceAccountName': spec.serviceAccountName ?? '',
    'spec.hostNetwork': String(spec.hostNetwork === true),
    'status.phase': status.phase ?? '',
    'status.podIP': status.podIPs?.[0]?.ip ?? status.podIP ?? '',
    'status.nominatedNodeName': status.nominatedNodeName ?? '',
  };
}

export const podStrategy: Strategy = {
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
  fields: podFields,
  table: podTable,
  // Pods had no metadata.generation semantics in 1.32.
  bumpsGeneration: () => false,
};

export { applyBinding, validateBinding } from './pod_binding.ts';
