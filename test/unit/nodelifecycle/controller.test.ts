// The node lifecycle controller loop over real Stores (in-memory SQLite, real watch caches),
// with a fake clock driving the grace period.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, Node } from '../../../src/api/core/index.ts';
import { rfc3339, rfc3339Micro } from '../../../src/api/object.ts';
import type { ResourceClient } from '../../../src/apiserver/client.ts';
import { runNodeLifecycleController } from '../../../src/controllers/nodelifecycle/controller.ts';
import { addNotReadyTaintOnCreate } from '../../../src/controllers/nodelifecycle/taints.ts';
import { eventually, memoryApi } from '../scheduler/stores.ts';

async function setup() {
  let clock = Date.parse('2025-03-01T10:00:00Z');
  const now = () => new Date(clock);
  const s = await memoryApi(now);
  const stop = new AbortController();
  const { nodes, leases } = s.clients;
  const start = () => runNodeLifecycleController({ nodes, leases, signal: stop.signal, now, monitorPeriodMs: 20, gracePeriodMs: 50_000 });
  const advance = (ms: number) => (clock += ms);
  const close = async () => {
    stop.abort();
    await s.close();
  };
  return { nodes, leases, registry: s.registry, start, advance, now, close };
}

const readyNode = (name: string, status: 'True' | 'False', heartbeat: Date): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status, reason: 'KubeletReady', lastHeartbeatTime: rfc3339(heartbeat), lastTransitionTime: rfc3339(heartbeat) }] },
});

const taintKeys = (n: Node) => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');

async function postStatus(nodes: ResourceClient<Node>, name: string, status: 'True' | 'False', at: Date) {
  await nodes.guaranteedUpdate('', name, (cur) => ({ ...cur, status: readyNode(name, status, at).status }), 'status');
}

test('silent node: Unknown and unreachable after the grace period; recovery clears it; Ready=False taints not-ready', async (t) => {
  const { nodes, start, advance, now, close } = await setup();
  t.after(close);
  await nodes.create('', readyNode('n1', 'True', now()));
  start();
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(taintKeys(await nodes.get('', 'n1')), []);
  advance(51_000);
  const silent = await eventually(async () => {
    const n = await nodes.get('', 'n1');
    return taintKeys(n).length === 2 && ready(n)?.status === 'Unknown' ? n : undefined;
  });
  assert.deepEqual(taintKeys(silent), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  assert.equal(ready(silent)?.message, 'Kubelet stopped posting node status.');
  assert.equal(ready(silent)?.lastTransitionTime, rfc3339(now()));
  assert.equal(silent.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded, rfc3339(now()));

  await postStatus(nodes, 'n1', 'True', now());
  await eventually(async () => taintKeys(await nodes.get('', 'n1')).length === 0);

  await postStatus(nodes, 'n1', 'False', now());
  const notReady = await eventually(async () => {
    const n = await nodes.get('', 'n1');
    return taintKeys(n).length === 2 ? n : undefined;
  });
  assert.deepEqual(taintKeys(notReady), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
  assert.equal(ready(notReady)?.status, 'False', 'a node that reports is never overridden');
});

test('lease renewals alone keep a node healthy', async (t) => {
  const { nodes, leases, start, advance, now, close } = await setup();
  t.after(close);
  await nodes.create('', readyNode('n1', 'True', now()));
  const renew = (at: Date): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: rfc3339Micro(at) } });
  await leases.create('kube-node-lease', renew(now()));
  start();
  for (let i = 0; i < 4; i++) {
    advance(30_000);
    await leases.guaranteedUpdate('kube-node-lease', 'n1', (cur) => ({ ...cur, spec: renew(now()).spec }));
    await new Promise((r) => setTimeout(r, 80));
  }
  const n = await nodes.get('', 'n1');
  assert.equal(ready(n)?.status, 'True');
  assert.deepEqual(taintKeys(n), []);
  advance(51_000);
  await eventually(async () => ready(await nodes.get('', 'n1'))?.status === 'Unknown');
});

test('a new node gets not-ready:NoSchedule on create, and loses it once Ready', async (t) => {
  const { nodes, registry, start, now, close } = await setup();
  t.after(close);
  registry.nodes.hooks.push({ beforeCreate: addNotReadyTaintOnCreate });
  await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fresh' } });
  assert.deepEqual(taintKeys(await nodes.get('', 'fresh')), ['node.kubernetes.io/not-ready:NoSchedule']);
  start();
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(taintKeys(await nodes.get('', 'fresh')), ['node.kubernetes.io/not-ready:NoSchedule'], 'kept while it has not reported');
  await postStatus(nodes, 'fresh', 'True', now());
  await eventually(async () => taintKeys(await nodes.get('', 'fresh')).length === 0);
});
