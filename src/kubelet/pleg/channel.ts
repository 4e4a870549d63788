// A bounded FIFO with one async receiver side, like a buffered Go channel used with a
// non-blocking send: a full channel refuses the item and the sender counts the loss.

export class BoundedChannel<T> {
  private readonly items: T[] = [];
  private readonly receivers: ((item: T | undefined) => void)[] = [];

  constructor(readonly capacity: number) {}

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
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    return true;
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
