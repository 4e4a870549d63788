// Exponential back-off per key, with upstream's client-go flowcontrol.Backoff semantics: the
// first failure arms `initial`, each later one doubles up to `max`; an entry untouched for
// 2 × max (10 minutes for containers) starts over. Used for CrashLoopBackOff and image pulls.

export const CONTAINER_BACKOFF_INITIAL_MS = 10_000;
export const CONTAINER_BACKOFF_MAX_MS = 300_000;
export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;

interface Entry { backoffMs: number; lastUpdate: number }

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    private readonly now: () => Date,
  ) {}

  private expired(at: number, e: Entry): boolean {
    return at - e.lastUpdate > this.maxMs * 2;
  }

  /** The current delay for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a failure at eventTime: arms or doubles the delay. */
  next(key: string, eventTime: Date = this.now()): void {
    const at = eventTime.getTime();
    const e = this.entries.get(key);
    if (!e || this.expired(at, e)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: at });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
    e.lastUpdate = at;
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

  reset(key: string): void { this.entries.delete(key); }

  /** Drops entries that expired (bounded memory on a long-running node). */
  gc(): void {
    const now = this.now().getTime();
    for (const [k, e] of this.entries) if (this.expired(now, e)) this.entries.delete(k);
  }
}

/** A duration as Go's time.Duration prints it: "10s", "1m20s", "5m0s", "1.5s", "250ms". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${trimZeros(rest.toFixed(3))}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = trimZeros((rest / 1000).toFixed(3));
  let out = `${s}s`;
  if (h > 0) out = `${h}h${m}m${out}`;
  else if (m > 0) out = `${m}m${out}`;
  return (neg ? '-' : '') + out;
}

function trimZeros(n: string): string {
  return n.includes('.') ? n.replace(/0+$/, '').replace(/\.$/, '') : n;
}
