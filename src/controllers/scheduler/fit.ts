// One scheduling decision, pure: filter the nodes a pod may run on (upstream's default filter
// plugins, in their order, each node failing on the first that rejects it), then pick the
// least requested of the feasible ones (NodeResourcesFit's LeastAllocated on cpu and memory).
import type { Node, Pod } from '../../api/core/index.ts';
import { hasPortConflict, hostPorts, matchesNodeAffinity, passesUnschedulable, untoleratedTaint } from './predicates.ts';
import { isTerminal, podRequests, toAmounts, type ResourceAmounts } from '../../api/scheduling/requests.ts';

export const reasons = {
  unschedulable: 'node(s) were unschedulable',
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  taint: (key: string, value = '') => `node(s) had untolerated taint {${key}: ${value}}`,
  insufficient: (resource: string) => `Insufficient ${resource}`,
};

export interface FitResult {
  /** The chosen node, when one fits. */
  node?: string;
  /** Why each rejected node was rejected (node name → reasons). */
  reasons: Map<string, string[]>;
  /** Rejected nodes where evicting other pods could not help (upstream's UnschedulableAndUnresolvable). */
  unresolvable: Set<string>;
  /** Scores of the feasible nodes (0..100). */
  scores: Map<string, number>;
}

interface Verdict {
  reasons: string[];
  unresolvable: boolean;
}

/** What is already placed on a node: requests (plain and non-zero), pod count, host ports. */
export interface NodeUsage {
  requested: ResourceAmounts;
  nonZeroRequested: ResourceAmounts;
  pods: number;
  ports: ReturnType<typeof hostPorts>;
}

export function nodeUsage(pods: Pod[]): NodeUsage {
  const usage: NodeUsage = { requested: new Map(), nonZeroRequested: new Map(), pods: 0, ports: [] };
  for (const pod of pods) {
    if (isTerminal(pod)) continue;
    usage.pods++;
    for (const [k, v] of podRequests(pod)) usage.requested.set(k, (usage.requested.get(k) ?? 0) + v);
    for (const [k, v] of podRequests(pod, true)) usage.nonZeroRequested.set(k, (usage.nonZeroRequested.get(k) ?? 0) + v);
    usage.ports.push(...hostPorts(pod));
  }
  return usage;
}

/** NodeResourcesFit's filter: the pod count and every requested resource against what is left. */
function resourceVerdict(request: ResourceAmounts, allocatable: ResourceAmounts, usage: NodeUsage): Verdict {
  const out: Verdict = { reasons: [], unresolvable: false };
  if (usage.pods + 1 > (allocatable.get('pods') ?? 0)) out.reasons.push(reasons.tooManyPods);
  const ordered = ['cpu', 'memory', 'ephemeral-storage', ...[...request.keys()].filter((k) => !['cpu', 'memory', 'ephemeral-storage', 'pods'].includes(k)).sort()];
  for (const name of ordered) {
    const want = request.get(name) ?? 0;
    if (want <= 0) continue;
    const total = allocatable.get(name) ?? 0;
    if (want > total - (usage.requested.get(name) ?? 0)) {
      out.reasons.push(reasons.insufficient(name));
      // Asking for more than the whole node has: no eviction could ever make room.
      if (want > total) out.unresolvable = true;
    }
  }
  return out;
}

function filterNode(pod: Pod, node: Node, request: ResourceAmounts, usage: NodeUsage): Verdict | undefined {
  if (!passesUnschedulable(pod, node)) return { reasons: [reasons.unschedulable], unresolvable: true };
  const taint = untoleratedTaint(pod, node);
  if (taint) return { reasons: [reasons.taint(taint.key, taint.value)], unresolvable: true };
  if (!matchesNodeAffinity(pod, node)) return { reasons: [reasons.nodeAffinity], unresolvable: true };
  if (hasPortConflict(hostPorts(pod), usage.ports)) return { reasons: [reasons.ports], unresolvable: false };
  const fit = resourceVerdict(request, toAmounts(node.status?.allocatable), usage);
  return fit.reasons.length ? fit : undefined;
}

const maxNodeScore = 100;

function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

/** LeastAllocated over cpu and memory, equal weights, with the pod's non-zero requests added. */
export function leastAllocatedScore(podNonZero: ResourceAmounts, node: Node, usage: NodeUsage): number {
  const allocatable = toAmounts(node.status?.allocatable);
  const resources = ['cpu', 'memory'];
  let total = 0;
  for (const r of resources) {
    const requested = (usage.nonZeroRequested.get(r) ?? 0) + (podNonZero.get(r) ?? 0);
    total += leastRequested(requested, allocatable.get(r) ?? 0);
  }
  return Math.floor(total / resources.length);
}

/**
 * Where the pod should go. `podsByNode` holds the pods already on each node (bound or assumed);
 * ties between equally scored nodes go to the first by name, so decisions are reproducible.
 */
export function findFit(pod: Pod, nodes: Node[], podsByNode: Map<string, Pod[]>): FitResult {
  const result: FitResult = { reasons: new Map(), unresolvable: new Set(), scores: new Map() };
  const request = podRequests(pod);
  const nonZero = podRequests(pod, true);
  let best: { name: string; score: number } | undefined;
  const sorted = [...nodes].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  for (const node of sorted) {
    const name = node.metadata.name!;
    const usage = nodeUsage(podsByNode.get(name) ?? []);
    const verdict = filterNode(pod, node, request, usage);
    if (verdict) {
      result.reasons.set(name, verdict.reasons);
      if (verdict.unresolvable) result.unresolvable.add(name);
      continue;
    }
    const score = leastAllocatedScore(nonZero, node, usage);
    result.scores.set(name, score);
    if (!best || score > best.score) best = { name, score };
  }
  result.node = best?.name;
  return result;
}
