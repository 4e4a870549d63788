// A pod's quality-of-service class, as upstream's GetPodQOS: from the CPU and memory
// requests and limits of all its containers (init containers included).
import { addQuantities, compareQuantities, tryParseQuantity, type Quantity } from '../../../api/quantity.ts';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const computeResources = ['cpu', 'memory'];

function positive(value: unknown): Quantity | undefined {
  const q = tryParseQuantity(value);
  return q && q.nanos > 0n ? q : undefined;
}

export function podQOSClass(spec: any): QOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const containers: any[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  for (const c of containers) {
    for (const [name, value] of Object.entries(c?.resources?.requests ?? {})) {
      const q = computeResources.includes(name) ? positive(value) : undefined;
      if (q) requests.set(name, requests.has(name) ? addQuantities(requests.get(name)!, q) : q);
    }
    const found = new Set<string>();
    for (const [name, value] of Object.entries(c?.resources?.limits ?? {})) {
      const q = computeResources.includes(name) ? positive(value) : undefined;
      if (!q) continue;
      found.add(name);
      limits.set(name, limits.has(name) ? addQuantities(limits.get(name)!, q) : q);
    }
    if (!computeResources.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
