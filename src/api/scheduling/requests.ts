// What a pod asks of a node, as the scheduler counts it (upstream's resource helpers):
// app containers add up, init containers run one at a time (so the largest counts), sidecars
// (restartable init containers) keep running and add up, and the pod overhead comes on top.
import type { Container, Pod, PodSpec } from '../core/index.ts';
import { quantityMilliValue, quantityValue, tryParseQuantity } from '../quantity.ts';

/** Resource name → amount: millicores for cpu, whole units (bytes, counts) for everything else. */
export type ResourceAmounts = Map<string, number>;

/** Requests used for scoring when a container asks for nothing (upstream's non-zero defaults). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

function amount(name: string, value: unknown): number {
  const q = tryParseQuantity(value);
  if (!q) return 0;
  return name === 'cpu' ? quantityMilliValue(q) : quantityValue(q);
}

/** A resource list ({cpu: "100m", memory: "1Gi"}) as numbers. */
export function toAmounts(list: Record<string, unknown> | undefined): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const [name, value] of Object.entries(list ?? {})) out.set(name, amount(name, value));
  return out;
}

function addInto(target: ResourceAmounts, add: ResourceAmounts): void {
  for (const [k, v] of add) target.set(k, (target.get(k) ?? 0) + v);
}

function maxInto(target: ResourceAmounts, other: ResourceAmounts): void {
  for (const [k, v] of other) if (v > (target.get(k) ?? 0)) target.set(k, v);
}

function sum(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const out = new Map(a);
  addInto(out, b);
  return out;
}

/**
 * The pod's effective requests. `nonZero` substitutes the scoring defaults for containers that
 * request no cpu or memory (used for scores, never for fit).
 */
export function podRequests(pod: Pod, nonZero = false): ResourceAmounts {
  const spec: Partial<PodSpec> = pod.spec ?? {};
  const containerRequests = (c: Container | undefined): ResourceAmounts => {
    const reqs = toAmounts(c?.resources?.requests);
    if (nonZero) {
      if (!reqs.get('cpu')) reqs.set('cpu', defaultMilliCpuRequest);
      if (!reqs.get('memory')) reqs.set('memory', defaultMemoryRequest);
    }
    return reqs;
  };
  const total: ResourceAmounts = new Map();
  for (const c of spec.containers ?? []) addInto(total, containerRequests(c));
  let sidecars: ResourceAmounts = new Map();
  const initPeak: ResourceAmounts = new Map();
  for (const c of spec.initContainers ?? []) {
    const reqs = containerRequests(c);
    if (c?.restartPolicy === 'Always') {
      addInto(total, reqs);
      sidecars = sum(sidecars, reqs);
      maxInto(initPeak, sidecars);
    } else {
      maxInto(initPeak, sum(reqs, sidecars));
    }
  }
  maxInto(total, initPeak);
  addInto(total, toAmounts(spec.overhead));
  return total;
}

/** Succeeded and Failed pods hold no resources; the scheduler does not count them. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
