// The scheduling queue, as upstream's in spirit: pods waiting for a scheduling attempt, each
// failed attempt doubling that pod's backoff (1 s up to 10 s), and failed pods parked until
// something in the cluster changes (or a periodic flush) makes another attempt worthwhile.

export const initialBackoffMs = 1000;
export const maxBackoffMs = 10_000;

interface Entry {
  attempts: number;
  /** Earliest time (ms) of the next attempt. */
  notBefore: number;
  /** Parked after a failure: waits for a cluster change before it is tried again. */
  parked: boolean;
}

export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>();

  /** A pod that needs scheduling (new, or changed in a way that may help). Keeps its backoff. */
  add(key: string): void {
    const e = this.entries.get(key);
    if (e) e.parked = false;
    else this.entries.set(key, { attempts: 0, notBefore: 0, parked: false });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** After a failed attempt: back off and park until the cluster changes. */
  failed(key: string, now: number): void {
    const e = this.entries.get(key) ?? { attempts: 0, notBefore: 0, parked: true };
    e.attempts++;
    e.notBefore = now + backoffMs(e.attempts);
    e.parked = true;
    this.entries.set(key, e);
  }

  /** After a binding failed for a reason unrelated to the cluster's state: retry after backoff. */
  retry(key: string, now: number): void {
    this.failed(key, now);
    this.entries.get(key)!.parked = false;
  }

  /** Something changed that may let parked pods fit: make them eligible again (after backoff). */
  unparkAll(): void {
    for (const e of this.entries.values()) e.parked = false;
  }

  /** Keys ready for an attempt now, oldest-added first. */
  ready(now: number): string[] {
    return [...this.entries].filter(([, e]) => !e.parked && e.notBefore <= now).map(([k]) => k);
  }

  /** When the next unparked entry becomes ready (ms), if any. */
  nextReadyAt(): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) if (!e.parked && (next === undefined || e.notBefore < next)) next = e.notBefore;
    return next;
  }

  get size(): number {
    return this.entries.size;
  }
}

export function backoffMs(attempts: number): number {
  return Math.min(initialBackoffMs * 2 ** Math.max(0, attempts - 1), maxBackoffMs);
}
