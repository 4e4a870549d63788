// The resync queue (upstream's pkg/kubelet/util/queue BasicWorkQueue): a pod worker puts a pod
// back with the time its next sync is due; the sync loop's one-second tick takes the pods whose
// time has come. One entry per pod: enqueueing again moves its time.
import type { Clock } from '../clock.ts';

export class WorkQueue {
  private readonly due = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Sync this pod again in delayMs (replacing any earlier time). */
  enqueue(uid: string, delayMs: number): void {
    this.due.set(uid, this.clock.now().getTime() + Math.max(0, delayMs));
  }

  /** The pods whose time has come, taken off the queue. */
  getWork(): string[] {
    const now = this.clock.now().getTime();
    const out: string[] = [];
    for (const [uid, at] of this.due) {
      if (at > now) continue;
      out.push(uid);
      this.due.delete(uid);
    }
    return out;
  }

  get length(): number {
    return this.due.size;
  }
}
