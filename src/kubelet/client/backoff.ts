// Exponential backoff with a cap, as upstream's wait.Backoff: each failure doubles the delay up
// to the cap; success resets it. Optional jitter spreads retries of many kubelets apart.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Fraction of the delay added at random (0 = none). */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private nextMs: number;
  constructor(private readonly opts: BackoffOptions) {
    this.nextMs = opts.initialMs;
  }

  /** The delay before the next attempt; advances the sequence. */
  next(): number {
    const base = this.nextMs;
    this.nextMs = Math.min(this.opts.maxMs, base * (this.opts.factor ?? 2));
    const jitter = this.opts.jitter ?? 0;
    return jitter > 0 ? Math.round(base * (1 + jitter * (this.opts.random ?? Math.random)())) : base;
  }

  reset(): void {
    this.nextMs = this.opts.initialMs;
  }
}
