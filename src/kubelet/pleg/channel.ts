// A bounded FIFO with one async receiver side, like a buffered Go channel used with a
// non-blocking send: a full channel refuses the item and the sender counts the loss. A channel
// may coalesce instead: an item whose key is already buffered replaces that one in its place.

export class BoundedChannel<T> {
  private readonly items: T[] = [];
  private readonly receivers: ((item: T | undefined) => void)[] = [];
  /** Waiters for an item that do not take it (see ready). */
  private readonly watchers: (() => void)[] = [];

  /** coalesceBy: items with the same key are one (only the newest matters), so none is ever refused for it. */
  constructor(readonly capacity: number, private readonly coalesceBy?: (item: T) => string) {}

  get length(): number {
    return this.items.length;
  }

  /** False when the channel is full (the item is dropped). */
  trySend(item: T): boolean {
    const receiver = this.receivers.shift();
    if (receiver) {
      receiver(item);
      return true;
    }
    if (this.coalesceBy) {
      const key = this.coalesceBy(item);
      const i = this.items.findIndex((x) => this.coalesceBy!(x) === key);
      if (i >= 0) {
        this.items[i] = item;
        return true;
      }
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    for (const w of this.watchers.splice(0)) w();
    return true;
  }

  /** The next buffered item, without waiting. */
  tryReceive(): T | undefined {
    return this.items.shift();
  }

  /**
   * Resolves once an item is buffered (without taking it) or the signal aborts: one consumer can
   * wait on several channels this way and then take from the ready one, losing nothing.
   */
  ready(signal: AbortSignal): Promise<void> {
    if (this.items.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        const i = this.watchers.indexOf(done);
        if (i >= 0) this.watchers.splice(i, 1);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.watchers.push(done);
    });
  }

  /** The next item; undefined when the signal aborts first. */
  receive(signal?: AbortSignal): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const receiver = (item: T | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(item);
      };
      const onAbort = () => {
        const i = this.receivers.indexOf(receiver);
        if (i >= 0) this.receivers.splice(i, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.receivers.push(receiver);
    });
  }

  /** Everything buffered now, without waiting. */
  drain(): T[] {
    return this.items.splice(0);
  }
}
