// The yes/no questions the scheduler asks of one node for one pod (upstream's filter plugins
// NodeUnschedulable, TaintToleration, NodeAffinity and NodePorts), as pure functions.
import type { Node, Pod, Taint } from '../../api/core/index.ts';
import { tolerates } from '../../api/scheduling/predicates.ts';

export { hasPortConflict, hostPorts, matchesNodeAffinity, matchesRequirement, matchesTerm, tolerates, type HostPort } from '../../api/scheduling/predicates.ts';

export const unschedulableTaintKey = 'node.kubernetes.io/unschedulable';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';

/** Whether the node is schedulable at all: a cordoned node only takes pods tolerating the unschedulable taint. */
export function passesUnschedulable(pod: Pod, node: Node): boolean {
  if (!node.spec?.unschedulable) return true;
  const taint: Taint = { key: unschedulableTaintKey, effect: 'NoSchedule' };
  return (pod.spec?.tolerations ?? []).some((t) => tolerates(t, taint));
}

function readyStatus(node: Node): string | undefined {
  return (node.status?.conditions ?? []).find((c) => c?.type === 'Ready')?.status;
}

/**
 * The taints the scheduler sees: the node's own, plus the NoSchedule taint the node lifecycle
 * controller would put on a node that is not Ready (so a pod is never placed on such a node
 * merely because the controller has not caught up, yet tolerations still work as upstream).
 */
export function effectiveTaints(node: Node): Taint[] {
  const taints: Taint[] = [...(node.spec?.taints ?? [])];
  const ready = readyStatus(node);
  if (ready !== 'True') {
    const key = ready === 'Unknown' ? unreachableTaintKey : notReadyTaintKey;
    const covered = taints.some((t) => (t.key === notReadyTaintKey || t.key === unreachableTaintKey) && t.effect === 'NoSchedule');
    if (!covered) taints.push({ key, effect: 'NoSchedule' });
  }
  return taints;
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate, if any. */
export function untoleratedTaint(pod: Pod, node: Node): Taint | undefined {
  const tolerations = pod.spec?.tolerations ?? [];
  return effectiveTaints(node).find(
    (taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerations.some((t) => tolerates(t, taint)),
  );
}

