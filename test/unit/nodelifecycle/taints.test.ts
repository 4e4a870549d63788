import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNotReadyTaintOnCreate, desiredTaints, reconcileTaints } from '../../../src/controllers/nodelifecycle/taints.ts';

const now = new Date('2025-03-01T10:00:00Z');
const node = (conditions: any[], spec: any = {}) => ({ metadata: { name: 'n' }, spec, status: { conditions } });
const keys = (taints: any[]) => taints.map((t) => `${t.key}:${t.effect}`);

test('desired taints follow the Ready condition', () => {
  assert.deepEqual(keys(desiredTaints(node([{ type: 'Ready', status: 'True' }]))), []);
  assert.deepEqual(keys(desiredTaints(node([{ type: 'Ready', status: 'False' }]))), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
  assert.deepEqual(keys(desiredTaints(node([{ type: 'Ready', status: 'Unknown' }]))), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  assert.deepEqual(keys(desiredTaints(node([]))), ['node.kubernetes.io/not-ready:NoSchedule'], 'never reported: kept away from scheduling only');
});

test('pressure conditions and cordoning give NoSchedule taints', () => {
  const n = node(
    [
      { type: 'Ready', status: 'True' },
      { type: 'MemoryPressure', status: 'True' },
      { type: 'DiskPressure', status: 'False' },
      { type: 'PIDPressure', status: 'True' },
    ],
    { unschedulable: true },
  );
  assert.deepEqual(keys(desiredTaints(n)), ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
});

test('reconcile: adds with timeAdded on NoExecute, keeps existing ones as they are, leaves foreign taints alone', () => {
  const foreign = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };
  const out = reconcileTaints([foreign], desiredTaints(node([{ type: 'Ready', status: 'Unknown' }])), now)!;
  assert.deepEqual(out, [
    foreign,
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-03-01T10:00:00Z' },
  ]);
  assert.equal(reconcileTaints(out, desiredTaints(node([{ type: 'Ready', status: 'Unknown' }])), new Date('2025-03-01T11:00:00Z')), undefined, 'no change, timeAdded kept');
});

test('reconcile: swaps unreachable for not-ready, and removes both on recovery', () => {
  const unreachable = reconcileTaints([], desiredTaints(node([{ type: 'Ready', status: 'Unknown' }])), now)!;
  const notReady = reconcileTaints(unreachable, desiredTaints(node([{ type: 'Ready', status: 'False' }])), now)!;
  assert.deepEqual(keys(notReady), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
  assert.deepEqual(reconcileTaints([...notReady, { key: 'mine', effect: 'NoExecute' }], desiredTaints(node([{ type: 'Ready', status: 'True' }])), now), [{ key: 'mine', effect: 'NoExecute' }]);
});

test('admission: a new node not Ready gets not-ready:NoSchedule once', () => {
  const n: any = { metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
  addNotReadyTaintOnCreate(n);
  addNotReadyTaintOnCreate(n);
  assert.deepEqual(n.spec.taints, [{ key: 'a', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
  const bare: any = { metadata: { name: 'n' } };
  addNotReadyTaintOnCreate(bare);
  assert.deepEqual(bare.spec.taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
  const ready: any = { metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  addNotReadyTaintOnCreate(ready);
  assert.equal(ready.spec, undefined);
});
