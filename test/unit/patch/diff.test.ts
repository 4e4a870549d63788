import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategicMergePatch } from '../../../src/api/patch/diff.ts';
import { applyStrategicMergePatch } from '../../../src/api/patch/strategic.ts';

const podStatus = (ready: string, extra: object[] = []) => ({
  metadata: { name: 'p', finalizers: ['a', 'b'] },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: ready },
      { type: 'PodScheduled', status: 'True' },
      ...extra,
    ],
    containerStatuses: [{ name: 'c', ready: ready === 'True', restartCount: 0 }],
  },
});

function roundTrip(original: object, modified: object, className = 'V1Pod') {
  const patch = createStrategicMergePatch(original, modified, className);
  assert.deepEqual(applyStrategicMergePatch(original, patch, className), modified);
  return patch;
}

test('a pod status change yields the kubelet-style patch', () => {
  const patch = roundTrip(podStatus('False'), podStatus('True'));
  assert.deepEqual(patch, {
    status: {
      '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'PodScheduled' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0 }],
    },
  });
});

test('equal objects give an empty patch', () => {
  assert.deepEqual(createStrategicMergePatch(podStatus('True'), podStatus('True'), 'V1Pod'), {});
});

test('added and removed conditions, removed fields and finalizer changes round-trip', () => {
  const modified: any = podStatus('True', [{ type: 'DisruptionTarget', status: 'True' }]);
  modified.status.conditions.splice(0, 1);
  delete modified.status.phase;
  modified.metadata.finalizers = ['b', 'c'];
  const patch: any = roundTrip(podStatus('False'), modified);
  assert.equal(patch.status.phase, null);
  assert.deepEqual(patch.metadata['$deleteFromPrimitiveList/finalizers'], ['a']);
  assert.ok(patch.status.conditions.some((c: any) => c.type === 'Initialized' && c.$patch === 'delete'));
});

test('reordering a merge list alone round-trips through $setElementOrder', () => {
  const original = podStatus('True');
  const modified: any = structuredClone(original);
  modified.status.conditions.reverse();
  const patch: any = roundTrip(original, modified);
  assert.equal(patch.status.conditions, undefined);
});

test('volume source changes carry $retainKeys', () => {
  const original = { metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }] } };
  const modified = { metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', emptyDir: {} }] } };
  const patch: any = roundTrip(original, modified);
  assert.deepEqual(patch.spec.volumes[0].$retainKeys, ['emptyDir', 'name']);
});

test('untyped objects diff as merge patches', () => {
  roundTrip({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { b: 2, c: [3] } }, undefined as unknown as string);
});
