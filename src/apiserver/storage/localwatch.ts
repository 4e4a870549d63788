// In-process watch fan-out for a backend whose writes all happen in this process (SQLite).
// Events are queued per watcher and delivered on a later macrotask, so a write call never
// runs watcher code re-entrantly, and each watcher sees its events in revision order.
import type { StorageEvent } from './interface.ts';

interface LocalWatcher {
  prefix: string;
  afterRevision: number;
  queue: StorageEvent[];
  scheduled: boolean;
  closed: boolean;
  onEvents: (events: StorageEvent[]) => void;
}

export class LocalWatchHub {
  private readonly watchers = new Set<LocalWatcher>();

  /** Registers a live watcher; `backlog` (already read from history) is delivered first. */
  add(
    prefix: string,
    afterRevision: number,
    backlog: StorageEvent[],
    onEvents: (events: StorageEvent[]) => void,
    signal: AbortSignal,
  ): void {
    if (signal.aborted) return;
    const watcher: LocalWatcher = { prefix, afterRevision, queue: [], scheduled: false, closed: false, onEvents };
    this.watchers.add(watcher);
    signal.addEventListener('abort', () => this.remove(watcher), { once: true });
    for (const event of backlog) this.enqueue(watcher, event);
  }

  publish(event: StorageEvent): void {
    for (const watcher of this.watchers) {
      if (event.key.startsWith(watcher.prefix)) this.enqueue(watcher, event);
    }
  }

  closeAll(): void {
    for (const watcher of this.watchers) this.remove(watcher);
  }

  private remove(watcher: LocalWatcher): void {
    watcher.closed = true;
    watcher.queue = [];
    this.watchers.delete(watcher);
  }

  private enqueue(watcher: LocalWatcher, event: StorageEvent): void {
    if (event.revision <= watcher.afterRevision) return;
    watcher.queue.push(event);
    if (watcher.scheduled) return;
    watcher.scheduled = true;
    setImmediate(() => {
      watcher.scheduled = false;
      if (watcher.closed || watcher.queue.length === 0) return;
      const batch = watcher.queue;
      watcher.queue = [];
      watcher.onEvents(batch);
    });
  }
}
