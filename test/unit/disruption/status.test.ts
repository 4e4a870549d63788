// The disruption controller's status computation (upstream's disruption_test.go cases, reduced
// to what Berth's pods without workload controllers can meet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '../../../src/api/core/index.ts';
import { buildDisruptedPodMap, countHealthyPods, desiredStatus, expectedPodCount, failSafeStatus } from '../../../src/controllers/disruption/status.ts';

const now = new Date('2026-01-01T00:10:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(name: string, o: { ready?: boolean; deleting?: boolean; owner?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'x' },
      ...(o.deleting ? { deletionTimestamp: ago(0) } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] } : {}),
    },
    spec: { containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(spec: PodDisruptionBudget['spec'], status?: Partial<NonNullable<PodDisruptionBudget['status']>>, generation = 1): PodDisruptionBudget {
  return {
    metadata: { name: 'b', namespace: 'default', generation },
    spec: { selector: { matchLabels: { app: 'x' } }, ...spec },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
  };
}

test('an integer minAvailable counts the pods themselves and allows what is above it', () => {
  const s = desiredStatus(pdb({ minAvailable: 2 }), [pod('a'), pod('b'), pod('c')], now).status!;
  assert.deepEqual(
    { expected: s.expectedPods, desired: s.desiredHealthy, current: s.currentHealthy, allowed: s.disruptionsAllowed, gen: s.observedGeneration },
    { expected: 3, desired: 2, current: 3, allowed: 1, gen: 1 },
  );
  assert.equal(s.conditions![0].type, 'DisruptionAllowed');
  assert.equal(s.conditions![0].status, 'True');
  assert.equal(s.conditions![0].reason, 'SufficientPods');
  assert.equal(s.conditions![0].lastTransitionTime, '2026-01-01T00:10:00Z');
});

test('minAvailable equal to the healthy pods allows nothing (InsufficientPods); no pods allow nothing either', () => {
  const s = desiredStatus(pdb({ minAvailable: 2 }), [pod('a'), pod('b')], now).status!;
  assert.equal(s.disruptionsAllowed, 0);
  assert.equal(s.conditions![0].reason, 'InsufficientPods');
  assert.equal(desiredStatus(pdb({ minAvailable: 0 }), [], now).status!.disruptionsAllowed, 0);
});

test('unready and deleting pods are not healthy', () => {
  const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true })];
  assert.equal(countHealthyPods(pods, {}, now), 1);
  const s = desiredStatus(pdb({ minAvailable: 1 }), pods, now).status!;
  assert.equal(s.currentHealthy, 1);
  assert.equal(s.disruptionsAllowed, 0);
});

test('a percentage or maxUnavailable cannot count pods without a controller: expected 0, nothing allowed, pods reported', () => {
  const pods = [pod('a'), pod('b')];
  for (const spec of [{ minAvailable: '50%' }, { maxUnavailable: 1 }, { maxUnavailable: '50%' }]) {
    const d = desiredStatus(pdb(spec), pods, now);
    assert.equal(d.status!.expectedPods, 0, JSON.stringify(spec));
    assert.equal(d.status!.disruptionsAllowed, 0);
    assert.deepEqual(d.unmanagedPods, ['a', 'b']);
  }
  assert.deepEqual(expectedPodCount(pdb({}), pods), { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] });
});

test('a pod with a controller Berth cannot scale is an error, and the fail-safe allows nothing with SyncFailed', () => {
  const budget = pdb({ minAvailable: '50%' }, { disruptionsAllowed: 3 });
  assert.throws(() => desiredStatus(budget, [pod('a', { owner: true })], now), /found no controllers for pod "a"/);
  const safe = failSafeStatus(budget, new Error('found no controllers for pod "a"'), now);
  assert.equal(safe.disruptionsAllowed, 0);
  assert.deepEqual(
    { status: safe.conditions![0].status, reason: safe.conditions![0].reason, message: safe.conditions![0].message },
    { status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "a"' },
  );
});

test('disruptedPods entries hide their pods for 2 minutes, then expire (NotDeleted)', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  const budget = pdb({ minAvailable: 1 }, { disruptedPods: { a: ago(30_000), b: ago(150_000), gone: ago(1000) } });
  const map = buildDisruptedPodMap(pods, budget, now);
  assert.deepEqual(map.disruptedPods, { a: ago(30_000) });
  assert.deepEqual(map.notDeleted, ['b']);
  assert.equal(map.recheckAt?.getTime(), now.getTime() + 90_000);
  const d = desiredStatus(budget, pods, now);
  assert.equal(d.status!.currentHealthy, 2);
  assert.equal(d.status!.disruptionsAllowed, 1);
  assert.deepEqual(d.status!.disruptedPods, { a: ago(30_000) });
});

test('a status already right is not written again; a new generation is', () => {
  const pods = [pod('a'), pod('b')];
  const first = desiredStatus(pdb({ minAvailable: 1 }), pods, now).status!;
  const synced = pdb({ minAvailable: 1 }, first);
  assert.equal(desiredStatus(synced, pods, now).status, undefined);
  const bumped = { ...synced, metadata: { ...synced.metadata, generation: 2 } };
  const next = desiredStatus(bumped, pods, new Date(now.getTime() + 5000)).status!;
  assert.equal(next.observedGeneration, 2);
  // The condition's status did not change, so neither does its transition time.
  assert.equal(next.conditions![0].lastTransitionTime, first.conditions![0].lastTransitionTime);
});
