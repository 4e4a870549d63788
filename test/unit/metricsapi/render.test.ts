import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuQuantity, memoryQuantity, metricsTable, nodeMetrics, podMetrics } from '../../../src/apiserver/metrics/render.ts';

test('CPU renders as metrics-server renders nanocores (DecimalSI, largest exact suffix)', () => {
  assert.equal(cpuQuantity(0), '0');
  assert.equal(cpuQuantity(123_456_789), '123456789n');
  assert.equal(cpuQuantity(12_000_000), '12m');
  assert.equal(cpuQuantity(1_500_000_000), '1500m');
  assert.equal(cpuQuantity(2_000_000_000), '2');
  assert.equal(cpuQuantity(1_234_000), '1234u');
});

test('memory renders as a BinarySI quantity of bytes', () => {
  assert.equal(memoryQuantity(0), '0');
  assert.equal(memoryQuantity(512), '512');
  assert.equal(memoryQuantity(1000), '1k');
  assert.equal(memoryQuantity(3000), '3000');
  assert.equal(memoryQuantity(123 * 1024), '123Ki');
  assert.equal(memoryQuantity(200 * 1024 * 1024), '200Mi');
  assert.equal(memoryQuantity(1025), '1025');
  assert.equal(memoryQuantity(2 ** 30 + 4096), '1048580Ki');
});

test('NodeMetrics and PodMetrics carry timestamp, window, usage and the object labels', () => {
  const now = new Date('2026-01-01T00:00:30Z');
  const n = nodeMetrics({ metadata: { name: 'n1', labels: { zone: 'a' } } }, { cpuNanoCores: 250_000_000, memoryBytes: 1048576, timestampMs: Date.parse('2026-01-01T00:00:20.5Z'), windowMs: 15_002 }, now);
  assert.deepEqual(n, {
    metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:30Z', labels: { zone: 'a' } },
    timestamp: '2026-01-01T00:00:20Z',
    window: '15.002s',
    usage: { cpu: '250m', memory: '1Mi' },
  });
  const p = podMetrics(
    { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'z' }, { name: 'a' }] } },
    { timestampMs: 0, windowMs: 15_000, containers: [{ name: 'a', cpuNanoCores: 1, memoryBytes: 2048 }, { name: 'z', cpuNanoCores: 2, memoryBytes: 1024 }] },
    now,
  );
  assert.equal(p.window, '15s');
  assert.deepEqual(p.metadata, { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:30Z' });
  assert.deepEqual(p.containers.map((c: { name: string }) => c.name), ['z', 'a'], 'spec order');
  const table = metricsTable([p], 'None') as { rows: Array<{ cells: unknown[] }> };
  assert.deepEqual(table.rows[0].cells, ['web', '3n', '3Ki', '15s']);
});
