// A keyed work queue for the controllers (client-go's workqueue, reduced): changes add keys,
// which are synced one at a time after a short batch; a failed sync is retried with a capped
// backoff, and a sync may ask to run again after a delay (AddAfter). A key is never synced
// twice at once.
export interface KeyQueueOptions {
  signal: AbortSignal;
  /** Syncs one key; a returned number of milliseconds schedules the key again after it. */
  sync(key: string): Promise<number | undefined>;
  /** How long changes are gathered before a sync round (default 50 ms). */
  batchMs?: number;
  retryMs?: number;
  maxRetryMs?: number;
  log?: (key: string, err: Error) => void;
}

export interface KeyQueue {
  add(key: string): void;
}

export function runKeyQueue(o: KeyQueueOptions): KeyQueue {
  const batchMs = o.batchMs ?? 50;
  const retryMs = o.retryMs ?? 100;
  const maxRetryMs = o.maxRetryMs ?? 5000;
  const pending = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  let batch: NodeJS.Timeout | undefined;
  let running = false;

  const kick = () => {
    if (o.signal.aborted || batch || running) return;
    batch = setTimeout(() => {
      batch = undefined;
      void drain();
    }, batchMs);
  };
  const add = (key: string) => {
    pending.add(key);
    kick();
  };
  /** One timer per key: the earliest wins, as upstream's AddAfter keeps the lowest time. */
  const addAfter = (key: string, ms: number) => {
    const due = Date.now() + Math.max(0, ms);
    const existing = timers.get(key);
    if (o.signal.aborted || (existing && existing.due <= due)) return;
    clearTimeout(existing?.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      add(key);
    }, due - Date.now());
    timers.set(key, { timer, due });
  };

  const drain = async () => {
    running = true;
    try {
      while (pending.size && !o.signal.aborted) {
        const keys = [...pending];
        pending.clear();
        for (const key of keys) {
          if (o.signal.aborted) return;
          try {
            const recheckMs = await o.sync(key);
            failures.delete(key);
            if (recheckMs !== undefined) addAfter(key, recheckMs);
          } catch (e) {
            o.log?.(key, e as Error);
            const n = (failures.get(key) ?? 0) + 1;
            failures.set(key, n);
            addAfter(key, Math.min(maxRetryMs, retryMs * 2 ** (n - 1)));
          }
        }
      }
    } finally {
      running = false;
      if (pending.size) kick();
    }
  };

  o.signal.addEventListener('abort', () => {
    clearTimeout(batch);
    for (const t of timers.values()) clearTimeout(t.timer);
  });
  return { add };
}
