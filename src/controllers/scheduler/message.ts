// The text of a scheduling failure, as upstream's FitError formats it: a histogram of the
// filter reasons, then what preemption concluded. Berth never preempts; with no victims to
// offer, upstream's preemption reports the same as here.
import type { Pod } from '../../api/core/index.ts';
import type { FitResult } from './fit.ts';

export const noNodesAvailable = 'no nodes available to schedule pods';
export const preemptionNotHelpful = 'Preemption is not helpful for scheduling';
export const noPreemptionVictims = 'No preemption victims found for incoming pod';

/** "2 Insufficient cpu, 1 node(s) ..." sorted as upstream sorts it (as strings). */
function histogram(counts: Map<string, number>): string {
  return [...counts].map(([reason, n]) => `${n} ${reason}`).sort().join(', ');
}

function count(into: Map<string, number>, reason: string): void {
  into.set(reason, (into.get(reason) ?? 0) + 1);
}

function preemptionMessage(pod: Pod, fit: FitResult, total: number): string {
  if (pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const outcomes = new Map<string, number>();
  for (const node of fit.reasons.keys()) count(outcomes, fit.unresolvable.has(node) ? preemptionNotHelpful : noPreemptionVictims);
  return `preemption: 0/${total} nodes are available: ${histogram(outcomes)}.`;
}

/**
 * The FailedScheduling message: `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't
 * match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not
 * helpful for scheduling.`
 */
export function failureMessage(pod: Pod, fit: FitResult, totalNodes: number): string {
  if (totalNodes === 0) return noNodesAvailable;
  const filters = new Map<string, number>();
  for (const list of fit.reasons.values()) for (const r of list) count(filters, r);
  return `0/${totalNodes} nodes are available: ${histogram(filters)}. ${preemptionMessage(pod, fit, totalNodes)}`;
}
