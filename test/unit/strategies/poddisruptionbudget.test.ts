// policy/v1 PodDisruptionBudget validation, strategy and table, and the eviction decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '../../../src/api/core/index.ts';
import { StatusError } from '../../../src/api/errors.ts';
import { budgetsForPod } from '../../../src/api/policy/pdb.ts';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { podDisruptionBudgetStrategy as strategy, validatePodDisruptionBudgetSpec } from '../../../src/apiserver/registry/strategies/poddisruptionbudget.ts';
import { canIgnorePDB, checkAndDecrement, evictionRequest, unhealthyPodMayGo, withDisruptionTarget } from '../../../src/apiserver/registry/strategies/pod_eviction.ts';

const messages = (spec: object) => validatePodDisruptionBudgetSpec(spec).map(fieldErrorMessage);
const now = new Date('2026-01-01T00:00:00Z');

test('validation: one of minAvailable/maxUnavailable, non-negative ints or percents up to 100%, a valid selector and policy', () => {
  assert.deepEqual(messages({ minAvailable: 1, selector: { matchLabels: { app: 'x' } } }), []);
  assert.deepEqual(messages({ maxUnavailable: '100%', unhealthyPodEvictionPolicy: 'AlwaysAllow' }), []);
  assert.deepEqual(messages({ minAvailable: 1, maxUnavailable: 1 }), ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']);
  assert.deepEqual(messages({ minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(messages({ maxUnavailable: '101%' }), ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%']);
  assert.match(messages({ minAvailable: 'half' })[0], /^spec.minAvailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%'/);
  assert.deepEqual(messages({ minAvailable: 1.5 }), ["spec.minAvailable: Invalid value: 1.5: must be an integer or percentage (e.g '5%')"]);
  assert.deepEqual(messages({ unhealthyPodEvictionPolicy: 'Never' }), ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']);
  assert.deepEqual(messages({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }), ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]);
  assert.deepEqual(messages({ selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['x'] }] } }), ['spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator']);
});

test('strategy: create resets status and sets generation 1; spec changes bump it, status stays the controller\'s', () => {
  const pdb: PodDisruptionBudget = { metadata: { name: 'b' }, spec: { minAvailable: 1 }, status: { disruptionsAllowed: 5, currentHealthy: 5, desiredHealthy: 0, expectedPods: 5 } };
  strategy.prepareForCreate!(pdb);
  assert.deepEqual(pdb.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  assert.equal(pdb.metadata.generation, 1);
  const next: PodDisruptionBudget = { ...pdb, spec: { minAvailable: 2 }, status: { disruptionsAllowed: 9, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } };
  strategy.prepareForUpdate!(next, pdb);
  assert.equal(next.status!.disruptionsAllowed, 0);
  assert.equal(strategy.bumpsGeneration!(next, pdb), true);
  assert.equal(strategy.bumpsGeneration!({ ...pdb, metadata: { ...pdb.metadata, labels: { a: 'b' } } }, pdb), false);
  const table = strategy.table!;
  assert.deepEqual(table.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  assert.deepEqual(table.cells({ ...pdb, metadata: { ...pdb.metadata, creationTimestamp: '2025-12-31T23:59:00Z' } }, now), ['b', '1', 'N/A', 0, '60s']);
});

function pod(name: string, phase: NonNullable<Pod['status']>['phase'], ready = true, labels = { app: 'x' }): Pod {
  return { metadata: { name, namespace: 'default', labels }, spec: { containers: [] }, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } };
}
const budget = (status: Partial<NonNullable<PodDisruptionBudget['status']>>, o: { generation?: number; policy?: 'AlwaysAllow' } = {}): PodDisruptionBudget => ({
  metadata: { name: 'b', namespace: 'default', generation: o.generation ?? 1 },
  spec: { minAvailable: 2, selector: { matchLabels: { app: 'x' } }, unhealthyPodEvictionPolicy: o.policy },
  status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, ...status },
});

test('eviction: terminal, pending and deleting pods skip the budget; running ones do not', () => {
  assert.equal(canIgnorePDB(pod('a', 'Succeeded')), true);
  assert.equal(canIgnorePDB(pod('a', 'Failed')), true);
  assert.equal(canIgnorePDB(pod('a', 'Pending')), true);
  assert.equal(canIgnorePDB({ ...pod('a', 'Running'), metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }), true);
  assert.equal(canIgnorePDB(pod('a', 'Running')), false);
});

test('eviction: budgets with an empty or nil selector match nothing; others by labels in the namespace', () => {
  const b = budget({});
  const empty = { ...b, spec: { ...b.spec, selector: {} } };
  const none = { ...b, spec: { ...b.spec, selector: null } };
  const other = { ...b, metadata: { ...b.metadata, namespace: 'other' } };
  assert.deepEqual(budgetsForPod([b, empty, none, other], pod('a', 'Running')), [b]);
  assert.deepEqual(budgetsForPod([b], pod('a', 'Running', true, { app: 'y' })), []);
});

function refusal(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  return assert.fail('expected a StatusError');
}

test('eviction: no disruption allowed is 429 with the DisruptionBudget cause; a stale status is 429 to retry in 10 s', () => {
  const e = refusal(() => checkAndDecrement(budget({}), 'a', false, now));
  assert.deepEqual([e.code, e.reason, e.message], [429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget."]);
  assert.deepEqual(e.details, { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget b needs 2 healthy pods and has 2 currently' }] });
  const stale = refusal(() => checkAndDecrement(budget({ disruptionsAllowed: 1 }, { generation: 2 }), 'a', false, now));
  assert.equal(stale.code, 429);
  assert.equal(stale.details?.retryAfterSeconds, 10);
  assert.equal(stale.details?.causes?.[0].message, 'The disruption budget b is still being processed by the server.');
  assert.equal(refusal(() => checkAndDecrement(budget({ disruptionsAllowed: -1 }), 'a', false, now)).code, 403);
});

test('eviction: an allowed one spends a disruption and records the pod (not under dry run)', () => {
  const spent = checkAndDecrement(budget({ disruptionsAllowed: 1, currentHealthy: 3 }), 'a', false, now).status!;
  assert.equal(spent.disruptionsAllowed, 0);
  assert.deepEqual(spent.disruptedPods, { a: '2026-01-01T00:00:00Z' });
  assert.equal(spent.conditions?.[0].reason, 'InsufficientPods');
  const dry = checkAndDecrement(budget({ disruptionsAllowed: 2, currentHealthy: 4 }), 'a', true, now).status!;
  assert.equal(dry.disruptionsAllowed, 1);
  assert.equal(dry.disruptedPods, undefined);
});

test('eviction: an unready pod goes without spending the budget under AlwaysAllow, or while the budget is met', () => {
  assert.equal(unhealthyPodMayGo(pod('a', 'Running', true), budget({}, { policy: 'AlwaysAllow' })), false);
  assert.equal(unhealthyPodMayGo(pod('a', 'Running', false), budget({ currentHealthy: 0 }, { policy: 'AlwaysAllow' })), true);
  assert.equal(unhealthyPodMayGo(pod('a', 'Running', false), budget({ currentHealthy: 2, desiredHealthy: 2 })), true);
  assert.equal(unhealthyPodMayGo(pod('a', 'Running', false), budget({ currentHealthy: 1, desiredHealthy: 2 })), false);
});

test('eviction body: the name must match, dry run comes from the query or the body, preconditions pin', () => {
  const body = (extra: object = {}) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a' }, ...extra });
  assert.throws(() => evictionRequest(body(), 'b', false), /name in URL does not match name in Eviction object/);
  assert.throws(() => evictionRequest({ ...body(), apiVersion: 'v1' }, 'a', false), /cannot be handled/);
  assert.equal(evictionRequest({ ...body(), apiVersion: 'policy/v1beta1' }, 'a', false).options.dryRun, false);
  assert.equal(evictionRequest(body({ deleteOptions: { dryRun: ['All'] } }), 'a', false).options.dryRun, true);
  assert.equal(evictionRequest(body(), 'a', true).options.dryRun, true);
  const pinned = evictionRequest(body({ deleteOptions: { gracePeriodSeconds: 5, preconditions: { resourceVersion: '7' } } }), 'a', false);
  assert.deepEqual([pinned.pinned, pinned.options.gracePeriodSeconds, pinned.options.preconditions?.resourceVersion], [true, 5, '7']);
});

test('eviction marks the pod DisruptionTarget (EvictionByEvictionAPI) before deleting it, keeping a True one\'s time', () => {
  const marked = withDisruptionTarget(pod('a', 'Running'), now);
  const cond = marked.status!.conditions!.find((c) => c.type === 'DisruptionTarget');
  assert.deepEqual(cond, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' });
  const again = withDisruptionTarget(marked, new Date('2026-01-01T00:05:00Z'));
  assert.equal(again.status!.conditions!.filter((c) => c.type === 'DisruptionTarget').length, 1);
  assert.equal(again.status!.conditions!.find((c) => c.type === 'DisruptionTarget')!.lastTransitionTime, '2026-01-01T00:00:00Z');
});
