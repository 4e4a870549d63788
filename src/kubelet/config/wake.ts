// A periodic wait that something else can cut short: the file and HTTP sources sleep one
// period, or until a change notification (fs.watch) says look now.
import { anySignal, type Clock } from '../clock.ts';

export class Waker {
  private tick: AbortController | undefined;
  private pending = false;

  constructor(private readonly clock: Clock, private readonly signal: AbortSignal) {}

  /** Sleeps ms, or less if wake() is called meanwhile (or was called since the last wait). */
  async wait(ms: number): Promise<void> {
    if (this.pending || this.signal.aborted) {
      this.pending = false;
      return;
    }
    const tick = new AbortController();
    this.tick = tick;
    const any = anySignal(this.signal, tick.signal);
    try {
      await this.clock.sleep(ms, any.signal);
    } finally {
      any.release();
    }
    this.tick = undefined;
    this.pending = false;
  }

  wake(): void {
    if (this.tick) this.tick.abort();
    else this.pending = true;
  }
}
