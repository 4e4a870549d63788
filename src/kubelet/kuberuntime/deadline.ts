// activeDeadlineSeconds: a pod running longer than this since its start fails with
// DeadlineExceeded (upstream's pastActiveDeadline). Pure.
import type { Pod } from './pod.ts';

export const DEADLINE_EXCEEDED_REASON = 'DeadlineExceeded';

export function pastActiveDeadline(pod: Pod, startTime: Date | undefined, now: Date): boolean {
  const deadline = pod.spec.activeDeadlineSeconds;
  if (deadline === undefined || deadline === null || !startTime) return false;
  return now.getTime() - startTime.getTime() >= deadline * 1000;
}

/** Upstream's status message for a pod past its deadline. */
export function deadlineExceededMessage(pod: Pod): string {
  return `Pod was active on the node longer than the specified deadline`;
}
