// A pod's QoS class (upstream's qos.GetPodQOS) and what follows from it: the cgroup parent in
// the cgroupfs layout and the containers' oom_score_adj.
import { parseQuantity, quantityMilliValue, quantityValue } from '../../api/quantity.ts';
import type { Container, Pod } from './pod.ts';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const COMPUTE = ['cpu', 'memory'] as const;

function milli(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  return quantityMilliValue(parseQuantity(v));
}

export function podQOSClass(pod: Pod): QOSClass {
  const all: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let anySet = false;
  let guaranteed = true;
  for (const c of all) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const r of COMPUTE) {
      const l = milli(limits[r]);
      // The API defaults a missing request to the limit.
      const q = milli(requests[r]) ?? l;
      if ((q !== undefined && q > 0) || (l !== undefined && l > 0)) anySet = true;
      if (l === undefined || q === undefined || l !== q) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** cgroupfs layout: Guaranteed pods directly under /kubepods, the others under their class. */
export function podCgroupParent(pod: Pod, root = '/kubepods'): string {
  const qos = podQOSClass(pod);
  const base = qos === 'Guaranteed' ? root : `${root}/${qos.toLowerCase()}`;
  return `${base}/pod${pod.metadata.uid}`;
}

/** Upstream's GetContainerOOMScoreAdjust for non-critical pods. */
export function oomScoreAdjust(pod: Pod, container: Container, memoryCapacityBytes: number): number {
  const qos = podQOSClass(pod);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const req = container.resources?.requests?.memory ?? container.resources?.limits?.memory;
  const request = req !== undefined ? quantityValue(parseQuantity(req)) : 0;
  if (memoryCapacityBytes <= 0) return 999;
  const adj = 1000 - Math.floor((1000 * request) / memoryCapacityBytes);
  return Math.min(999, Math.max(3, adj));
}
