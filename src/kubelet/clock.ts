// The kubelet's notion of time, injectable so that loops can be driven by a fake clock in tests.

export interface Clock {
  now(): Date;
  /** Resolves after ms, or early (never rejects) when the signal aborts: loops check signal.aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

/**
 * A signal that aborts (with its reason) when any of the given ones does, and release() to call
 * once the wait it serves has ended. AbortSignal.any would do, but each source keeps every
 * composite made of it until that is collected: in a loop on the kubelet's lifetime signal that
 * piles up. This one takes its listeners off again.
 */
export function anySignal(...signals: AbortSignal[]): { signal: AbortSignal; release: () => void } {
  const ctl = new AbortController();
  const onAbort = (e: Event) => ctl.abort((e.target as AbortSignal).reason);
  const release = () => { for (const s of signals) s.removeEventListener('abort', onAbort); };
  for (const s of signals) {
    if (s.aborted) {
      ctl.abort(s.reason);
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
  }
  if (ctl.signal.aborted) release();
  return { signal: ctl.signal, release };
}

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** A clock that moves only when told to: `await clock.advance(ms)` fires due sleepers in order. */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(start: Date | number = Date.UTC(2026, 10, 27, 3, 55, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      // As the real clock, a sleep that ends leaves no listener on its signal.
      const sleeper: Sleeper = { at: this.current + Math.max(0, ms), resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How many sleepers are waiting (lets tests wait until a loop has parked). */
  get waiting(): number {
    return this.sleepers.length;
  }

  /** Moves time forward, waking sleepers one deadline at a time and letting their work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    await settle();
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > end) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, next.at);
      next.resolve();
      await settle();
    }
    this.current = end;
    await settle();
  }
}

/** Lets pending promise chains (and I/O-free async work) run to their next real wait. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
