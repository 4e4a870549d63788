import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsHistory } from '../../../../src/kubelet/cadvisor/history.ts';
import type { ContainerStats } from '../../../../src/kubelet/cadvisor/types.ts';

const T0 = Date.UTC(2026, 0, 1);

function sample(atMs: number, cpuNs: number, rxBytes = 0): ContainerStats {
  return {
    timestamp: new Date(T0 + atMs),
    cpu: { usageCoreNanoSeconds: cpuNs, userNanoSeconds: 0, systemNanoSeconds: 0, throttling: { periods: 0, throttledPeriods: 0, throttledTimeNanoSeconds: 0 } },
    memory: { usageBytes: 0, workingSetBytes: 0, rssBytes: 0, cacheBytes: 0, pageFaults: 0, majorPageFaults: 0, oomEvents: 0 },
    processes: { count: 1, threads: 1 },
    network: { interfaces: [{ name: 'eth0', rxBytes, rxPackets: 0, rxErrors: 0, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0 }] },
  };
}

test('rates: 5 s of CPU over 10 s is half a core; network bytes/s from the delta', () => {
  const h = new StatsHistory();
  const first = h.push('c', sample(0, 1e9, 1000));
  assert.equal(first.cpu.usageNanoCores, undefined, 'no rate without a previous sample');
  const second = h.push('c', sample(10_000, 6e9, 21_000));
  assert.equal(second.cpu.usageNanoCores, 500_000_000);
  assert.equal(second.network!.interfaces[0].rxBytesPerSecond, 2000);
  assert.equal(h.latest('c'), second);
});

test('history never exceeds its window, by time and by count', () => {
  const h = new StatsHistory({ storageDurationMs: 60_000, housekeepingIntervalMs: 10_000 });
  for (let i = 0; i < 50; i++) h.push('c', sample(i * 10_000, i * 1e9));
  const s = h.samples('c');
  assert.equal(s.length, h.maxSamples);
  assert.equal(h.maxSamples, 7);
  const span = s.at(-1)!.timestamp.getTime() - s[0].timestamp.getTime();
  assert.ok(span <= 60_000, `span ${span}`);
  // Sparse samples: old ones leave by time even when the count is small.
  const sparse = new StatsHistory({ storageDurationMs: 60_000, housekeepingIntervalMs: 10_000 });
  sparse.push('c', sample(0, 0));
  sparse.push('c', sample(100_000, 1e9));
  assert.equal(sparse.samples('c').length, 1);
});

test('a counter going backwards (new container) starts a new series; counters never decrease within one', () => {
  const h = new StatsHistory();
  h.push('c', sample(0, 5e9));
  h.push('c', sample(10_000, 8e9));
  const reset = h.push('c', sample(20_000, 1e9));
  assert.equal(reset.cpu.usageNanoCores, undefined);
  assert.deepEqual(h.samples('c').map((s) => s.cpu.usageCoreNanoSeconds), [1e9]);
  // A time that does not move forward is a reset too (no division by zero).
  h.push('c', sample(20_000, 2e9));
  assert.equal(h.samples('c').length, 1);
  // Network counter reset alone gives no rate rather than a negative one.
  h.push('c', sample(30_000, 3e9, 500));
  const after = h.push('c', sample(40_000, 4e9, 100));
  assert.equal(after.network!.interfaces[0].rxBytesPerSecond, undefined);
  const cum = h.samples('c').map((s) => s.cpu.usageCoreNanoSeconds);
  assert.deepEqual(cum, [...cum].sort((a, b) => a - b));
});

test('keys not updated for two windows are evicted; fresh ones stay', () => {
  const h = new StatsHistory({ storageDurationMs: 60_000, housekeepingIntervalMs: 10_000 });
  h.push('old', sample(0, 0));
  h.push('fresh', sample(100_000, 0));
  assert.deepEqual(h.evictStale(new Date(T0 + 120_000)), []);
  assert.deepEqual(h.evictStale(new Date(T0 + 120_001)), ['old']);
  assert.deepEqual(h.keys(), ['fresh']);
  assert.equal(h.size, 1);
});
