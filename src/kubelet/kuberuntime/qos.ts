// What follows from a pod's QoS class (src/api/pod/qos.ts) for its containers: oom_score_adj
// (its cgroup parent is the container manager's: src/kubelet/cm).
import type { Container, Pod } from '../../api/core/index.ts';
import { podQOSClass } from '../../api/pod/index.ts';
import { parseQuantity, quantityValue } from '../../api/quantity.ts';

/** Upstream's GetContainerOOMScoreAdjust for non-critical pods. */
export function oomScoreAdjust(pod: Pod, container: Container, memoryCapacityBytes: number): number {
  const qos = podQOSClass(pod.spec);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const req = container.resources?.requests?.memory ?? container.resources?.limits?.memory;
  const request = req !== undefined ? quantityValue(parseQuantity(req)) : 0;
  if (memoryCapacityBytes <= 0) return 999;
  const adj = 1000 - Math.floor((1000 * request) / memoryCapacityBytes);
  return Math.min(999, Math.max(3, adj));
}
