// The kubelet's own check that a pod fits its node before it starts (upstream's
// predicateAdmitHandler and generalFilter, pkg/kubelet/lifecycle/predicate.go), pure: the pod,
// the node and the pods already admitted in, a verdict out. The scheduler asks the same
// questions; the kubelet asks again because a pod bound by nodeName or a static pod never met it.
import type { Node, Pod } from '../../api/core/index.ts';
import { isStaticPod } from '../../api/pod/index.ts';
import { hasPortConflict, hostPorts, matchesNodeAffinity, tolerates } from '../../api/scheduling/predicates.ts';
import { podRequests, toAmounts, type ResourceAmounts } from '../../api/scheduling/requests.ts';
import type { AdmitResult } from './types.ts';

/** The OS the kubelet runs on (upstream's runtime.GOOS). */
export const nodeOS = 'linux';
const osLabel = 'kubernetes.io/os';

/** One failed predicate: a named one, or a resource the node has too little of. */
export type PredicateFailure =
  | { kind: 'predicate'; name: string; desc: string }
  | { kind: 'resource'; resource: string; requested: number; used: number; capacity: number };

/** Upstream's plugin names and reasons (scheduler framework plugins). */
export const predicateReasons = {
  nodeAffinity: { name: 'NodeAffinity', desc: "node(s) didn't match Pod's node affinity/selector" },
  nodeName: { name: 'NodeName', desc: "node(s) didn't match the requested node name" },
  nodePorts: { name: 'NodePorts', desc: "node(s) didn't have free ports for the requested pod ports" },
  taint: { name: 'TaintToleration', desc: "node(s) had taints that the pod didn't tolerate" },
};

const fixedResources = ['cpu', 'memory', 'ephemeral-storage'];

/** Upstream's IsExtendedResourceName: outside the kubernetes.io namespace, not a quota name. */
function isExtendedResource(name: string): boolean {
  if (!name.includes('/')) return false;
  return !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/') && !name.startsWith('requests.');
}

/** Resources the scheduler counts beyond cpu, memory and ephemeral-storage (scalar resources). */
function isScalarResource(name: string): boolean {
  return name.startsWith('hugepages-') || name.includes('/');
}

/** NodeResourcesFit's Fits: the pod count, then every requested resource against what is left. */
export function resourceFailures(request: ResourceAmounts, allocatable: ResourceAmounts, used: ResourceAmounts, podCount: number): PredicateFailure[] {
  const out: PredicateFailure[] = [];
  const allowedPods = allocatable.get('pods') ?? 0;
  if (podCount + 1 > allowedPods) out.push({ kind: 'resource', resource: 'pods', requested: 1, used: podCount, capacity: allowedPods });
  const scalars = [...request.keys()].filter((k) => isScalarResource(k) && (!isExtendedResource(k) || allocatable.has(k))).sort();
  for (const name of [...fixedResources, ...scalars]) {
    const want = request.get(name) ?? 0;
    if (want <= 0) continue;
    const capacity = allocatable.get(name) ?? 0;
    const inUse = used.get(name) ?? 0;
    if (want > capacity - inUse) out.push({ kind: 'resource', resource: name, requested: want, used: inUse, capacity });
  }
  return out;
}

function sumRequests(pods: Pod[]): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const p of pods) for (const [k, v] of podRequests(p)) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

/** Upstream's generalFilter: resources, node affinity/selector, node name, host ports, then NoExecute taints. */
export function generalPredicates(pod: Pod, node: Node, otherPods: Pod[]): PredicateFailure[] {
  const out = resourceFailures(podRequests(pod), toAmounts(node.status?.allocatable), sumRequests(otherPods), otherPods.length);
  const predicate = (r: { name: string; desc: string }): PredicateFailure => ({ kind: 'predicate', ...r });
  if (!matchesNodeAffinity(pod, node)) out.push(predicate(predicateReasons.nodeAffinity));
  const wantedNode = pod.spec?.nodeName;
  if (wantedNode && wantedNode !== node.metadata.name) out.push(predicate(predicateReasons.nodeName));
  if (hasPortConflict(hostPorts(pod), otherPods.flatMap(hostPorts))) out.push(predicate(predicateReasons.nodePorts));
  // Static pods are not held to taints; the kubelet only minds NoExecute ones.
  if (!isStaticPod(pod)) {
    const tolerations = pod.spec?.tolerations ?? [];
    const untolerated = (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute' && !tolerations.some((tol) => tolerates(tol, t)));
    if (untolerated) out.push(predicate(predicateReasons.taint));
  }
  return out;
}

/** Upstream's reason and message of a failure: the predicate's name, or OutOf<resource>. */
export function failureVerdict(f: PredicateFailure): AdmitResult {
  if (f.kind === 'predicate') return { admit: false, reason: f.name, message: `Predicate ${f.name} failed: ${f.desc}` };
  return {
    admit: false,
    reason: `OutOf${f.resource}`,
    message: `Node didn't have enough resource: ${f.resource}, requested: ${f.requested}, used: ${f.used}, capacity: ${f.capacity}`,
  };
}

/** The pod's own kubernetes.io/os label against the node's (which the kubelet always takes as its OS). */
function osSelectorMismatch(pod: Pod): boolean {
  const wanted = pod.metadata.labels?.[osLabel];
  return wanted !== undefined && wanted !== nodeOS;
}

/** Upstream's predicateAdmitHandler.Admit: the checks no preemption could help first, then the general predicates (the first failure is the answer). */
export function predicateAdmit(pod: Pod, node: Node, otherPods: Pod[]): AdmitResult {
  if (osSelectorMismatch(pod)) {
    return { admit: false, reason: 'PodOSSelectorNodeLabelDoesNotMatch', message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label" };
  }
  if (pod.spec?.os && pod.spec.os.name !== nodeOS) {
    return { admit: false, reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS" };
  }
  const failures = generalPredicates(pod, node, otherPods);
  return failures.length ? failureVerdict(failures[0]!) : { admit: true };
}
