// A pod's quality-of-service class, as upstream's ComputePodQOS: from the CPU and memory
// requests and limits of its containers and init containers (ephemeral ones have none).
// Defaulting gives a container a request equal to each limit it has no request for; the class
// is computed as if it had, so a pod gets the same class before defaulting (a test's pod, a
// manifest being read) as after (anything stored). Upstream, which only sees defaulted pods,
// does not need to.
import type { Container, PodQOSClass, ResourceList } from '../core/index.ts';
import { addQuantities, compareQuantities, tryParseQuantity, type Quantity } from '../quantity.ts';

const qosResources = ['cpu', 'memory'];

/** The positive CPU and memory quantities of a resource list; zero or unparsable ones count as unset. */
function qosQuantities(list: ResourceList): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(list)) {
    const q = qosResources.includes(name) ? tryParseQuantity(value) : undefined;
    if (q && q.nanos > 0n) out.set(name, q);
  }
  return out;
}

function addTo(sum: Map<string, Quantity>, add: Map<string, Quantity>): void {
  for (const [name, q] of add) {
    const prev = sum.get(name);
    sum.set(name, prev ? addQuantities(prev, q) : q);
  }
}

/** What the class is computed from: the containers' resources (a PodSpec is one). */
export interface QOSInput {
  containers?: Partial<Container>[];
  initContainers?: Partial<Container>[];
}

export function podQOSClass(spec: QOSInput): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const containerLimits = c?.resources?.limits ?? {};
    // A request defaulting would set: the limit, where no request is given.
    addTo(requests, qosQuantities({ ...containerLimits, ...c?.resources?.requests }));
    const found = qosQuantities(containerLimits);
    addTo(limits, found);
    if (!qosResources.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  for (const [name, req] of requests) {
    const lim = limits.get(name);
    if (!lim || compareQuantities(lim, req) !== 0) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
