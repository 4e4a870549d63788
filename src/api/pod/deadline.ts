// spec.activeDeadlineSeconds: a pod active on its node for longer fails with DeadlineExceeded
// (upstream's activeDeadlineHandler). Its clock starts at status.startTime.
import type { PodSpec } from '../core/index.ts';

export const deadlineExceededReason = 'DeadlineExceeded';
export const deadlineExceededMessage = 'Pod was active on the node longer than the specified deadline';

/** Whether at least activeDeadlineSeconds have passed since startTime (RFC 3339); false without either. */
export function pastActiveDeadline(spec: Pick<PodSpec, 'activeDeadlineSeconds'>, startTime: string | undefined, now: Date): boolean {
  const seconds = spec.activeDeadlineSeconds;
  if (seconds === undefined || seconds === null || !startTime) return false;
  return now.getTime() - Date.parse(startTime) >= seconds * 1000;
}
