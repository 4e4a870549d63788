// The kubelet's event sink, as upstream's: writes go out one at a time, under the
// eventRecordQPS / eventBurst token bucket (50/s, burst 100). Writes wait their turn in a bounded
// queue (upstream's broadcaster holds 1,000) instead of crowding the API server while fifty pods
// start; a full queue drops the newest, as upstream's does.
import type { Clock } from '../clock.ts';

export interface EventRateLimiter {
  /** Runs send when a token is free; false when the queue is full and the event was dropped. */
  submit(send: () => Promise<unknown>): boolean;
  /** Events waiting for a token. */
  readonly queued: number;
}

export const DEFAULT_EVENT_QPS = 50;
export const DEFAULT_EVENT_BURST = 100;
const QUEUE_LIMIT = 1_000;

/** Tokens available at nowMs, refilled at qps up to burst since lastMs (pure). */
export function refill(tokens: number, lastMs: number, nowMs: number, qps: number, burst: number): number {
  return Math.min(burst, tokens + (Math.max(0, nowMs - lastMs) * qps) / 1000);
}

/**
 * One write at a time, as upstream's event sink (a single goroutine writes the broadcaster's
 * events in turn), each after a token; qps ≤ 0 means no rate limit, as eventRecordQPS = 0.
 */
export function createEventRateLimiter(qps: number, burst: number, clock: Clock, signal?: AbortSignal): EventRateLimiter {
  const queue: (() => Promise<unknown>)[] = [];
  let tokens = Math.max(1, burst);
  let lastMs = clock.now().getTime();
  let draining = false;

  const take = (): boolean => {
    if (qps <= 0) return true;
    const now = clock.now().getTime();
    tokens = refill(tokens, lastMs, now, qps, Math.max(1, burst));
    lastMs = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const drain = async () => {
    draining = true;
    try {
      while (queue.length && !signal?.aborted) {
        if (!take()) {
          await clock.sleep(Math.ceil(((1 - tokens) * 1000) / qps), signal);
          continue;
        }
        await queue.shift()!().catch(() => {});
      }
    } finally {
      draining = false;
    }
  };
  return {
    submit(send) {
      if (queue.length >= QUEUE_LIMIT) return false;
      queue.push(send);
      if (!draining) void drain();
      return true;
    },
    get queued() {
      return queue.length;
    },
  };
}
