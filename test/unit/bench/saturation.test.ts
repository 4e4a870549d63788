import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saturation } from '../../../bench/lib/saturation.ts';

const base = { wallSeconds: 100, machineBusyPct: 40, loadAverage1m: 0.8, cores: 2 };

test('names what ran out: runtime CPU share, machine, load, probe latency', () => {
  const s = saturation({ ...base, cpuSeconds: { kubelet: 20, containerd: 60, shims: 50 }, machineBusyPct: 97, loadAverage1m: 6.5, probeP99Ms: 1500, probePeriodMs: 1000 });
  assert.deepEqual(s.saturated, [
    'machine CPU 97% busy',
    'load average 6.5 on 2 cores',
    'containerd and its shims use 1.1 of 2 cores',
    'probe latency p99 1500 ms, not under the 1000 ms period',
  ]);
  assert.deepEqual(s.facts, { containerd_cpu_cores: 0.6, kubelet_cpu_cores: 0.2, shims_cpu_cores: 0.5, machine_busy_pct: 97, load_average_1m: 6.5, cores: 2, seconds: 100, probe_p99_ms: 1500 });
});

test('a full kubelet event loop is named; nothing saturated says so instead of staying silent', () => {
  assert.deepEqual(saturation({ ...base, cpuSeconds: { kubelet: 95 } }).saturated, ['kubelet at 0.95 cores (its one event loop is full)']);
  assert.match(saturation({ ...base, cpuSeconds: { kubelet: 5 } }).saturated[0]!, /^nothing by these measures/);
});
