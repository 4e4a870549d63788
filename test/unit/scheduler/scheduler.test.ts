// The scheduler loop over real Stores (in-memory SQLite, real watch caches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, PodCondition, PodSpec } from '../../../src/api/core/index.ts';
import { runScheduler, subresourceBinder } from '../../../src/controllers/scheduler/scheduler.ts';
import { eventually, memoryApi } from './stores.ts';

const podScheduled = (pod: Pod): PodCondition | undefined => pod.status?.conditions?.find((c) => c.type === 'PodScheduled');

const fullPod = (name: string, cpu: string, extra: Partial<PodSpec> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu } } }], ...extra },
});

const fullNode = (name: string, cpu: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { allocatable: { cpu, memory: '4Gi', pods: '10' }, conditions: [{ type: 'Ready', status: 'True' }] },
});

async function setup() {
  const s = await memoryApi();
  const { namespaces, pods, nodes, events } = s.clients;
  await namespaces.create('', { metadata: { name: 'default' } });
  const stop = new AbortController();
  const start = () => runScheduler({ pods, nodes, events, signal: stop.signal, retryPeriodMs: 200 });
  return { s, stop, start, pods, nodes, events };
}

test('binds a pending pod, sets PodScheduled and records a Scheduled event', async (t) => {
  const { s, stop, start, pods, nodes, events } = await setup();
  t.after(async () => {
    stop.abort();
    await s.close();
  });
  await nodes.create('', fullNode('n1', '2'));
  start();
  await pods.create('default', fullPod('web', '500m'));
  const bound = await eventually(async () => {
    const p = await pods.get('default', 'web');
    return p.spec.nodeName ? p : undefined;
  });
  assert.equal(bound.spec.nodeName, 'n1');
  const cond = podScheduled(bound);
  assert.equal(cond?.status, 'True');
  const ev = await eventually(async () => (await events.list('default')).items.find((e) => e.reason === 'Scheduled'));
  assert.equal(ev.message, 'Successfully assigned default/web to n1');
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.source?.component, 'default-scheduler');
  assert.equal(ev.reportingComponent, 'default-scheduler');
  assert.equal(ev.involvedObject?.uid, bound.metadata.uid);
});

test('never gives the same last slot to two pods (assumed pods count before the cache shows them)', async (t) => {
  const { s, stop, start, pods, nodes } = await setup();
  t.after(async () => {
    stop.abort();
    await s.close();
  });
  await nodes.create('', fullNode('n1', '1'));
  await pods.create('default', fullPod('a', '600m'));
  await pods.create('default', fullPod('b', '600m'));
  start();
  const failed = await eventually(async () => {
    const all = (await pods.list('default')).items;
    const boundCount = all.filter((p) => p.spec.nodeName).length;
    const waiting = all.find((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
    return boundCount === 1 && waiting ? waiting : undefined;
  });
  const cond = podScheduled(failed);
  assert.equal(cond?.reason, 'Unschedulable');
  assert.equal(cond?.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  // Still exactly one bound after a few retries.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await pods.list('default')).items.filter((p) => p.spec.nodeName).length, 1);
});

test('an unschedulable pod gets a FailedScheduling event, and is bound once a node appears', async (t) => {
  const { s, stop, start, pods, nodes, events } = await setup();
  t.after(async () => {
    stop.abort();
    await s.close();
  });
  start();
  await nodes.create('', fullNode('small', '1'));
  await pods.create('default', fullPod('big', '2'));
  const ev = await eventually(async () => (await events.list('default')).items.find((e) => e.reason === 'FailedScheduling'));
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
  assert.equal(ev.involvedObject.name, 'big');
  await nodes.create('', fullNode('large', '4'));
  const bound = await eventually(async () => (await pods.get('default', 'big')).spec.nodeName);
  assert.equal(bound, 'large');
  const cond = podScheduled(await pods.get('default', 'big'));
  assert.equal(cond?.status, 'True');
  // Repeated failures were aggregated into one event, not one event per attempt.
  assert.equal((await events.list('default')).items.filter((e) => e.reason === 'FailedScheduling').length, 1);
});

test('pods for another scheduler are left alone', async (t) => {
  const { s, stop, start, pods, nodes } = await setup();
  t.after(async () => {
    stop.abort();
    await s.close();
  });
  await nodes.create('', fullNode('n1', '4'));
  await pods.create('default', fullPod('other', '100m', { schedulerName: 'my-scheduler' }));
  start();
  await pods.create('default', fullPod('mine', '100m'));
  await eventually(async () => (await pods.get('default', 'mine')).spec.nodeName);
  assert.equal((await pods.get('default', 'other')).spec.nodeName, undefined);
});

test('a pod bound in an earlier cycle counts on its node until the cache shows the binding', async (t) => {
  const { s, stop, pods, nodes, events } = await setup();
  t.after(async () => {
    stop.abort();
    await s.close();
  });
  await nodes.create('', fullNode('n1', '1'));
  // A binder that never reaches storage: the cache keeps showing the pod unbound.
  const bound: string[] = [];
  runScheduler({
    pods,
    nodes,
    events,
    signal: stop.signal,
    retryPeriodMs: 200,
    bind: async (pod, node) => {
      bound.push(`${pod.metadata.name}->${node}`);
    },
  });
  await pods.create('default', fullPod('a', '600m'));
  await eventually(() => bound.length === 1);
  await pods.create('default', fullPod('b', '600m'));
  const ev = await eventually(async () => (await events.list('default')).items.find((e) => e.reason === 'FailedScheduling'));
  assert.equal(ev.involvedObject.name, 'b');
  assert.deepEqual(bound, ['a->n1']);
});

test('a slow binding does not hold up the next pods (bindings run on their own, as upstream)', async (t) => {
  const { s, stop, pods, nodes, events } = await setup();
  let releaseSlow!: () => void;
  const slowGate = new Promise<void>((r) => (releaseSlow = r));
  t.after(async () => {
    releaseSlow();
    stop.abort();
    await s.close();
  });
  await nodes.create('', fullNode('n1', '4'));
  const viaStore = subresourceBinder(pods);
  const binding: string[] = [];
  runScheduler({
    pods,
    nodes,
    events,
    signal: stop.signal,
    retryPeriodMs: 200,
    bind: async (pod, node) => {
      binding.push(pod.metadata.name!);
      if (pod.metadata.name === 'slow') await slowGate;
      await viaStore(pod, node);
    },
  });
  await pods.create('default', fullPod('slow', '100m'));
  await eventually(() => binding.includes('slow'));
  await pods.create('default', fullPod('fast', '100m'));
  const fast = await eventually(async () => {
    const p = await pods.get('default', 'fast');
    return p.spec.nodeName ? p : undefined;
  });
  assert.equal(fast.spec.nodeName, 'n1');
  assert.equal((await pods.get('default', 'slow')).spec.nodeName, undefined, 'still binding');
  releaseSlow();
  await eventually(async () => (await pods.get('default', 'slow')).spec.nodeName);
  assert.deepEqual(binding, ['slow', 'fast'], 'each pod bound once');
});
