import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerPoint, MetricsBatch } from '../../../src/apiserver/metrics/decode.ts';
import { emptyState, nodeUsage, podUsage, store } from '../../../src/apiserver/metrics/storage.ts';

const resolution = 15_000;
const node = (ts: number, cpuSeconds: number, mem: number): MetricsBatch => ({
  nodes: new Map([['n1', { timestampMs: ts, cpuNanoSeconds: cpuSeconds * 1e9, memoryBytes: mem }]]),
  pods: new Map(),
});
const container = (name: string, ts: number, cpuSeconds: number, mem: number, startTimeMs: number): ContainerPoint => ({
  name,
  timestampMs: ts,
  cpuNanoSeconds: Math.round(cpuSeconds * 1e9),
  memoryBytes: mem,
  startTimeMs,
});
const pod = (...containers: ContainerPoint[]): MetricsBatch => ({
  nodes: new Map(),
  pods: new Map([['default/web', new Map(containers.map((c) => [c.name, c]))]]),
});

test('node CPU is the rate between the last two points; memory the latest; window their distance', () => {
  let s = store(emptyState(), node(100_000, 10, 1000), resolution);
  assert.equal(nodeUsage(s, 'n1'), undefined, 'one point is not enough');
  s = store(s, node(115_000, 17.5, 2048), resolution);
  assert.deepEqual(nodeUsage(s, 'n1'), { cpuNanoCores: 500_000_000, memoryBytes: 2048, timestampMs: 115_000, windowMs: 15_000 });
  s = store(s, node(130_000, 18.25, 4096), resolution);
  assert.deepEqual(nodeUsage(s, 'n1'), { cpuNanoCores: 50_000_000, memoryBytes: 4096, timestampMs: 130_000, windowMs: 15_000 });
});

test('a point no newer than the stored one keeps the older pair; a node that stops answering disappears', () => {
  let s = store(emptyState(), node(100_000, 10, 1), resolution);
  s = store(s, node(115_000, 11, 1), resolution);
  // the kubelet served the same (cached) sample again
  s = store(s, node(115_000, 11, 1), resolution);
  assert.deepEqual(nodeUsage(s, 'n1'), { cpuNanoCores: 66_666_666, memoryBytes: 1, timestampMs: 115_000, windowMs: 15_000 });
  s = store(s, { nodes: new Map(), pods: new Map() }, resolution);
  assert.equal(nodeUsage(s, 'n1'), undefined);
});

test('a counter that goes backwards yields no usage', () => {
  let s = store(emptyState(), node(100_000, 10, 1), resolution);
  s = store(s, node(115_000, 9, 1), resolution);
  assert.equal(nodeUsage(s, 'n1'), undefined);
});

test('pod usage per container, timed by its earliest container', () => {
  const start = 1_000;
  let s = store(emptyState(), pod(container('app', 100_000, 1, 100, start), container('side', 100_500, 2, 200, start)), resolution);
  assert.equal(podUsage(s, 'default/web'), undefined);
  s = store(s, pod(container('app', 115_000, 2.5, 300, start), container('side', 114_500, 2.7, 400, start)), resolution);
  assert.deepEqual(podUsage(s, 'default/web'), {
    timestampMs: 114_500,
    windowMs: 14_000,
    containers: [
      { name: 'app', cpuNanoCores: 100_000_000, memoryBytes: 300 },
      { name: 'side', cpuNanoCores: 50_000_000, memoryBytes: 400 },
    ],
  });
});

test('a restarted container (start time after the stored point) resets its rate; the pod waits for all containers', () => {
  let s = store(emptyState(), pod(container('app', 100_000, 5, 1, 1_000), container('side', 100_000, 1, 1, 1_000)), resolution);
  s = store(s, pod(container('app', 115_000, 6, 1, 1_000), container('side', 115_000, 2, 1, 1_000)), resolution);
  assert.ok(podUsage(s, 'default/web'));
  // app restarted at 125 s (after the stored point): its counter began again
  s = store(s, pod(container('app', 130_000, 0.5, 1, 125_000), container('side', 130_000, 3, 1, 1_000)), resolution);
  assert.equal(podUsage(s, 'default/web'), undefined, 'app has no previous point after its restart');
  s = store(s, pod(container('app', 145_000, 2, 1, 125_000), container('side', 145_000, 4, 1, 1_000)), resolution);
  assert.deepEqual(
    podUsage(s, 'default/web')!.containers.map((c) => [c.name, c.cpuNanoCores]),
    [
      ['app', 100_000_000],
      ['side', 66_666_666],
    ],
  );
});

test('a fresh container (started 10 s to one resolution ago) counts from its start at once', () => {
  const s = store(emptyState(), pod(container('app', 112_000, 1.2, 5, 100_000)), resolution);
  assert.deepEqual(podUsage(s, 'default/web'), { timestampMs: 112_000, windowMs: 12_000, containers: [{ name: 'app', cpuNanoCores: 100_000_000, memoryBytes: 5 }] });
  // younger than 10 s: too little to go by
  assert.equal(podUsage(store(emptyState(), pod(container('app', 105_000, 1, 5, 100_000)), resolution), 'default/web'), undefined);
});

test('a new container in a pod hides the pod until it has two points', () => {
  let s = store(emptyState(), pod(container('app', 100_000, 1, 1, 0)), resolution);
  s = store(s, pod(container('app', 115_000, 2, 1, 0)), resolution);
  assert.ok(podUsage(s, 'default/web'));
  s = store(s, pod(container('app', 130_000, 3, 1, 0), container('debug', 130_000, 1, 1, 0)), resolution);
  assert.equal(podUsage(s, 'default/web'), undefined);
});
