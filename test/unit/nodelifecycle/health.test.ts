import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, Node, NodeCondition, Taint } from '../../../src/api/core/index.ts';
import { evaluateNode, type ObservedHealth } from '../../../src/controllers/nodelifecycle/health.ts';

const grace = 50_000;
const t0 = Date.parse('2025-03-01T10:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000);
const iso = (s: number) => at(s).toISOString().replace('.000Z', 'Z');

function node(ready: NodeCondition['status'] | undefined, heartbeatS = 0, taints?: Taint[]): Node {
  const conditions: NodeCondition[] = ready
    ? [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: iso(heartbeatS), lastTransitionTime: iso(-100) },
        { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: iso(heartbeatS), lastTransitionTime: iso(-100) },
      ]
    : [];
  return { metadata: { name: 'n1', creationTimestamp: iso(-10) }, spec: taints ? { taints } : {}, status: { conditions } };
}

const lease = (renewS: number): Lease => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime: at(renewS).toISOString().replace('Z', '000Z') } });

/** Runs evaluateNode at each time, feeding the observed state along, as the controller does. */
function run(steps: Array<{ s: number; node: Node; lease?: Lease }>) {
  let observed: ObservedHealth | undefined;
  return steps.map((step) => {
    const v = evaluateNode(step.node, step.lease, observed, at(step.s), grace);
    observed = v.observed;
    return v;
  });
}

test('a healthy node stays as it is', () => {
  const [v] = run([{ s: 0, node: node('True') }]);
  assert.equal(v.overdue, false);
  assert.equal(v.conditions, undefined);
  assert.equal(v.taints, undefined);
});

test('grace period expiry: conditions Unknown and the unreachable taints', () => {
  const n = node('True');
  const [, before, after] = run([
    { s: 0, node: n },
    { s: 50, node: n },
    { s: 51, node: n },
  ]);
  assert.equal(before.overdue, false, 'exactly the grace period is not yet overdue');
  assert.equal(after.overdue, true);
  const ready = after.conditions!.find((c) => c.type === 'Ready');
  assert.deepEqual(ready, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: iso(0), lastTransitionTime: iso(51) });
  assert.equal(after.conditions!.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown');
  // Conditions the kubelet never posted are added as never updated.
  const disk = after.conditions!.find((c) => c.type === 'DiskPressure');
  assert.equal(disk?.reason, 'NodeStatusNeverUpdated');
  assert.equal(disk?.message, 'Kubelet never posted node status.');
  assert.ok(after.conditions!.find((c) => c.type === 'PIDPressure'));
  assert.deepEqual(after.taints, [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(51) },
  ]);
});

test('the controller trusts its own clock: a fresh heartbeat timestamp from a skewed kubelet does not matter, a change does', () => {
  // The kubelet's clock is far ahead; what counts is when the controller saw it change.
  const skewed = node('True', 10_000);
  const steps = run([
    { s: 0, node: skewed },
    { s: 40, node: skewed },
    { s: 60, node: skewed },
  ]);
  assert.equal(steps[2].overdue, true);
  const moving = run([
    { s: 0, node: node('True', -500) },
    { s: 40, node: node('True', -490) },
    { s: 80, node: node('True', -490) },
  ]);
  assert.equal(moving[2].overdue, false, 'the heartbeat changed at 40 s, so 80 s is within grace');
});

test('lease renewals keep a node healthy without status updates', () => {
  const n = node('True');
  const steps = run([
    { s: 0, node: n, lease: lease(0) },
    { s: 30, node: n, lease: lease(30) },
    { s: 70, node: n, lease: lease(60) },
    { s: 100, node: n, lease: lease(60) },
    { s: 121, node: n, lease: lease(60) },
  ]);
  assert.deepEqual(
    steps.map((v) => v.overdue),
    [false, false, false, false, true],
    'the renewal was seen at 70 s; 121 s is past the grace period',
  );
});

test('Ready=False: not-ready taints, conditions untouched', () => {
  const [v] = run([{ s: 0, node: node('False') }]);
  assert.equal(v.conditions, undefined);
  assert.deepEqual(v.taints, [
    { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: iso(0) },
  ]);
});

test('recovery removes the taints', () => {
  const tainted: Taint[] = [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(0) },
  ];
  const [v] = run([{ s: 100, node: node('True', 100, tainted) }]);
  assert.deepEqual(v.taints, []);
});

test('a node that never posted status is judged from its creation with the startup grace period', () => {
  const n = node(undefined);
  const [early, late] = run([
    { s: 0, node: n },
    { s: 51, node: n },
  ]);
  assert.equal(early.overdue, false);
  assert.deepEqual(early.taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
  assert.equal(late.overdue, true, 'created at -10 s: 61 s > 60 s startup grace');
  const ready = late.conditions!.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'Unknown');
  assert.equal(ready?.reason, 'NodeStatusNeverUpdated');
  assert.equal(ready?.message, 'Kubelet never posted node status.');
  assert.equal(ready?.lastHeartbeatTime, iso(-10));
  assert.deepEqual(late.taints!.map((t) => t.key + ':' + t.effect), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
});
