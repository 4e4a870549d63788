// Exponential back-off, as upstream's client-go flowcontrol.Backoff: per key, the first failure
// arms `initialMs` and each later one doubles the delay, up to `maxMs`. A retry loop uses one
// instance and the default key, resetting it on success; the container and image back-offs
// (CrashLoopBackOff, ImagePullBackOff) key by container and image, and forget a key left alone
// for twice the maximum, as upstream's do.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Fraction of the delay next() adds at random, to spread many kubelets' retries (default 0). */
  jitter?: number;
  random?: () => number;
  /** Forget a key after this long without a failure (upstream's per-item back-offs: 2 × maxMs). Default: never. */
  forgetAfterMs?: number;
  now?: () => Date;
}

interface Entry { backoffMs: number; lastUpdate: number }

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => Date;

  constructor(private readonly o: BackoffOptions) {
    this.now = o.now ?? (() => new Date());
  }

  private expired(at: number, e: Entry): boolean {
    return this.o.forgetAfterMs !== undefined && at - e.lastUpdate > this.o.forgetAfterMs;
  }

  /** The current delay for key (0 when none). */
  get(key = ''): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a failure at eventTime: arms or doubles the delay. Returns the delay to wait, with jitter. */
  next(key = '', eventTime: Date = this.now()): number {
    const at = eventTime.getTime();
    let e = this.entries.get(key);
    if (!e || this.expired(at, e)) {
      e = { backoffMs: this.o.initialMs, lastUpdate: at };
      this.entries.set(key, e);
    } else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.o.maxMs);
      e.lastUpdate = at;
    }
    const jitter = this.o.jitter ?? 0;
    return jitter > 0 ? Math.round(e.backoffMs * (1 + jitter * (this.o.random ?? Math.random)())) : e.backoffMs;
  }

  /** True while less than the current delay has passed since eventTime (e.g. the container's exit). */
  isInBackOffSince(key: string, eventTime: Date): boolean {
    const e = this.entries.get(key);
    const now = this.now().getTime();
    if (!e || this.expired(now, e)) return false;
    return now - eventTime.getTime() < e.backoffMs;
  }

  /** True while less than the current delay has passed since the last failure was recorded. */
  isInBackOffSinceUpdate(key: string): boolean {
    const e = this.entries.get(key);
    const now = this.now().getTime();
    if (!e || this.expired(now, e)) return false;
    return now - e.lastUpdate < e.backoffMs;
  }

  reset(key = ''): void {
    this.entries.delete(key);
  }

  /** Drops entries that expired (bounded memory on a long-running node). */
  gc(): void {
    const now = this.now().getTime();
    for (const [k, e] of this.entries) if (this.expired(now, e)) this.entries.delete(k);
  }
}
