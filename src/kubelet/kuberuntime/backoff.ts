// The container back-off behind CrashLoopBackOff, as upstream's kubelet makes it: per container,
// 10 s doubling to 5 minutes, forgotten after 10 minutes without a crash.
import { Backoff } from '../backoff.ts';

export const CONTAINER_BACKOFF_INITIAL_MS = 10_000;
export const CONTAINER_BACKOFF_MAX_MS = 300_000;

export function newContainerBackoff(now: () => Date): Backoff {
  return new Backoff({ initialMs: CONTAINER_BACKOFF_INITIAL_MS, maxMs: CONTAINER_BACKOFF_MAX_MS, forgetAfterMs: 2 * CONTAINER_BACKOFF_MAX_MS, now });
}
