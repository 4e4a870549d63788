// The cached verdict per container ID for one probe type (upstream's results.Manager): workers
// write it, status generation and the runtime sync read it, and every change is reported.
import type { ProbeResult } from './types.ts';

export interface ResultUpdate { containerId: string; result: ProbeResult; podUid: string }

export class ResultsManager {
  private readonly cache = new Map<string, ProbeResult>();

  constructor(private readonly onUpdate: (u: ResultUpdate) => void = () => {}) {}

  get(containerId: string): ProbeResult | undefined {
    return this.cache.get(containerId);
  }

  set(containerId: string, result: ProbeResult, podUid: string): void {
    if (this.cache.get(containerId) === result) return;
    this.cache.set(containerId, result);
    this.onUpdate({ containerId, result, podUid });
  }

  remove(containerId: string): void {
    this.cache.delete(containerId);
  }

  get size(): number {
    return this.cache.size;
  }
}
