// The in-memory history: per key (container ID or cgroup path) a bounded window of samples.
// Pushing derives rates from the previous sample (CPU nano-cores, network bytes/s). A counter
// that goes backwards means a new container under the same key: the old series is dropped, so
// cumulative counters in one series never decrease. Keys not updated for two windows are evicted.
import type { ContainerStats, InterfaceStats } from './types.ts';

export interface HistoryOptions {
  /** How long samples are kept (kubelet --stats-storage-duration; 2 min). */
  storageDurationMs?: number;
  /** Expected spacing of samples (--housekeeping-interval; 10 s): sizes the window. */
  housekeepingIntervalMs?: number;
}

export const DEFAULT_STORAGE_DURATION_MS = 2 * 60_000;
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 10_000;

interface Series {
  samples: ContainerStats[];
  lastUpdateMs: number;
}

/** Rate per second of a cumulative counter; undefined on a reset or a non-positive interval. */
function perSecond(cur: number, prev: number, dtMs: number): number | undefined {
  if (dtMs <= 0 || cur < prev) return undefined;
  return ((cur - prev) * 1000) / dtMs;
}

/** True when prev and cur cannot belong to one series (a new container, or time went backwards). */
export function isReset(prev: ContainerStats, cur: ContainerStats): boolean {
  if (cur.timestamp.getTime() <= prev.timestamp.getTime()) return true;
  if (cur.cpu.usageCoreNanoSeconds < prev.cpu.usageCoreNanoSeconds) return true;
  return cur.memory.pageFaults < prev.memory.pageFaults;
}

/** cur with its rates filled in from prev (pure). */
export function withRates(prev: ContainerStats | undefined, cur: ContainerStats): ContainerStats {
  if (!prev) return cur;
  const dtMs = cur.timestamp.getTime() - prev.timestamp.getTime();
  const out: ContainerStats = { ...cur, cpu: { ...cur.cpu } };
  if (dtMs > 0 && cur.cpu.usageCoreNanoSeconds >= prev.cpu.usageCoreNanoSeconds) {
    // ns of CPU per ns of wall time = cores; × 1e9 = nano-cores (wall ns = ms × 1e6).
    out.cpu.usageNanoCores = Math.round(((cur.cpu.usageCoreNanoSeconds - prev.cpu.usageCoreNanoSeconds) * 1000) / dtMs);
  }
  if (cur.network && prev.network) {
    const before = new Map(prev.network.interfaces.map((i) => [i.name, i]));
    out.network = {
      interfaces: cur.network.interfaces.map((i): InterfaceStats => {
        const p = before.get(i.name);
        if (!p) return i;
        const rx = perSecond(i.rxBytes, p.rxBytes, dtMs);
        const tx = perSecond(i.txBytes, p.txBytes, dtMs);
        return { ...i, ...(rx !== undefined ? { rxBytesPerSecond: rx } : {}), ...(tx !== undefined ? { txBytesPerSecond: tx } : {}) };
      }),
    };
  }
  return out;
}

export class StatsHistory {
  readonly storageDurationMs: number;
  readonly housekeepingIntervalMs: number;
  /** Samples kept per key: the window divided by the interval, plus one so rates span it. */
  readonly maxSamples: number;
  private readonly series = new Map<string, Series>();

  constructor(opts: HistoryOptions = {}) {
    this.storageDurationMs = opts.storageDurationMs ?? DEFAULT_STORAGE_DURATION_MS;
    this.housekeepingIntervalMs = opts.housekeepingIntervalMs ?? DEFAULT_HOUSEKEEPING_INTERVAL_MS;
    this.maxSamples = Math.max(1, Math.ceil(this.storageDurationMs / this.housekeepingIntervalMs) + 1);
  }

  /** Adds a sample and returns it with rates derived from the previous one. */
  push(key: string, stats: ContainerStats): ContainerStats {
    const nowMs = stats.timestamp.getTime();
    let s = this.series.get(key);
    if (!s) {
      s = { samples: [], lastUpdateMs: nowMs };
      this.series.set(key, s);
    }
    const prev = s.samples[s.samples.length - 1];
    if (prev && isReset(prev, stats)) s.samples = [];
    const sample = withRates(s.samples[s.samples.length - 1], stats);
    s.samples.push(sample);
    s.lastUpdateMs = nowMs;
    const oldest = nowMs - this.storageDurationMs;
    let drop = 0;
    while (drop < s.samples.length - 1 && s.samples[drop].timestamp.getTime() < oldest) drop++;
    drop = Math.max(drop, s.samples.length - this.maxSamples);
    if (drop > 0) s.samples.splice(0, drop);
    return sample;
  }

  latest(key: string): ContainerStats | undefined {
    const s = this.series.get(key);
    return s?.samples[s.samples.length - 1];
  }

  /** Samples of key, oldest first (a copy). */
  samples(key: string): ContainerStats[] {
    return [...(this.series.get(key)?.samples ?? [])];
  }

  keys(): string[] {
    return [...this.series.keys()];
  }

  get size(): number {
    return this.series.size;
  }

  delete(key: string): boolean {
    return this.series.delete(key);
  }

  /** Drops keys not updated for two storage windows; returns the keys dropped. */
  evictStale(now: Date): string[] {
    const cutoff = now.getTime() - 2 * this.storageDurationMs;
    const dropped: string[] = [];
    for (const [key, s] of this.series) {
      if (s.lastUpdateMs < cutoff) {
        this.series.delete(key);
        dropped.push(key);
      }
    }
    return dropped;
  }
}
