import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, ignoredFields, recordUpdate, type FieldScope } from '../../../src/api/managedfields/index.ts';
import { isStatusError, type StatusError } from '../../../src/api/errors.ts';
import type { KubeObject } from '../../../src/api/object.ts';

const scope = (now = '2026-01-01T00:00:00Z', subresource = ''): FieldScope => ({ className: 'V1ConfigMap', apiVersion: 'v1', subresource, ignored: ignoredFields(subresource, false), now });
const cm = (data: Record<string, string>, labels?: Record<string, string>): KubeObject & { data: Record<string, string> } => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', ...(labels ? { labels } : {}) },
  data,
});
const owners = (obj: KubeObject) =>
  Object.fromEntries((obj.metadata.managedFields as Array<{ manager: string; operation: string; fieldsV1: unknown }>).map((e) => [`${e.manager}/${e.operation}`, e.fieldsV1]));

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e, 'Conflict')) return e;
    throw e;
  }
  assert.fail('expected a conflict');
}

test('create by apply owns exactly the applied fields, server metadata excluded', () => {
  const created = apply(undefined, cm({ a: '1' }, { x: 'y' }), { manager: 'alice', force: false }, scope());
  assert.deepEqual(owners(created), { 'alice/Apply': { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } } });
});

test('two appliers share equal values, conflict on different ones, force takes the field', () => {
  const live = apply(undefined, cm({ a: '1', b: '2' }), { manager: 'alice', force: false }, scope());
  const shared = apply(live, cm({ a: '1' }), { manager: 'bob', force: false }, scope());
  assert.deepEqual(Object.keys(owners(shared)).sort(), ['alice/Apply', 'bob/Apply']);

  const e = conflictOf(() => apply(shared, cm({ b: '9' }), { manager: 'bob', force: false }, scope()));
  assert.equal(e.code, 409);
  assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "alice": .data.b');
  assert.deepEqual(e.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.b' }]);

  const forced = apply(shared, cm({ b: '9' }), { manager: 'bob', force: true }, scope()) as ReturnType<typeof cm>;
  assert.equal(forced.data.b, '9');
  assert.deepEqual(owners(forced)['alice/Apply'], { 'f:data': { 'f:a': {} } });
  // bob's new configuration names only b: a, still alice's, stays.
  assert.deepEqual(forced.data, { a: '1', b: '9' });
});

test('a field dropped by its only manager is removed; one another manager holds stays', () => {
  const one = apply(undefined, cm({ a: '1', b: '2' }), { manager: 'alice', force: false }, scope());
  const both = apply(one, cm({ b: '2' }), { manager: 'bob', force: false }, scope());
  const { data: _none, ...withoutData } = cm({});
  const dropped = apply(both, withoutData, { manager: 'alice', force: false }, scope()) as ReturnType<typeof cm>;
  assert.deepEqual(dropped.data, { b: '2' }, 'a goes (alice alone had it); b stays (bob shares it)');
  assert.deepEqual(Object.keys(owners(dropped)), ['bob/Apply']);
});

test('a no-op re-apply leaves the object, managedFields and their time as they were', () => {
  const first = apply(undefined, cm({ a: '1' }), { manager: 'alice', force: false }, scope('2026-01-01T00:00:00Z'));
  first.metadata.resourceVersion = '7';
  const again = apply(first, cm({ a: '1' }), { manager: 'alice', force: false }, scope('2026-01-02T00:00:00Z'));
  again.metadata.resourceVersion = '7';
  assert.deepEqual(again, first);
});

test('an update takes the fields it changes from an applier, and conflicts follow', () => {
  const applied = apply(undefined, cm({ a: '1', b: '2' }), { manager: 'alice', force: false }, scope());
  const next = structuredClone(applied) as ReturnType<typeof cm>;
  next.data.a = 'edited';
  recordUpdate(applied, next, 'kubectl-edit', scope());
  assert.deepEqual(owners(next), { 'alice/Apply': { 'f:data': { 'f:b': {} } }, 'kubectl-edit/Update': { 'f:data': { 'f:a': {} } } });
  const e = conflictOf(() => apply(next, cm({ a: '1', b: '2' }), { manager: 'alice', force: false }, scope()));
  assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a');
});

test('an object with no managedFields is "before-first-apply"', () => {
  const e = conflictOf(() => apply(cm({ a: '1' }), cm({ a: '2' }), { manager: 'alice', force: false }, scope()));
  assert.match(e.message, /conflict with "before-first-apply" using v1: \.data\.a/);
});

test('managedFields [{}] on an update clears them; [] keeps them', () => {
  const applied = apply(undefined, cm({ a: '1' }), { manager: 'alice', force: false }, scope());
  const kept = { ...structuredClone(applied), metadata: { ...structuredClone(applied.metadata), managedFields: [] } };
  recordUpdate(applied, kept, 'x', scope());
  assert.deepEqual(kept.metadata.managedFields, applied.metadata.managedFields);
  const cleared = { ...structuredClone(applied), metadata: { ...structuredClone(applied.metadata), managedFields: [{}] } };
  recordUpdate(applied, cleared, 'x', scope());
  assert.equal(cleared.metadata.managedFields, undefined);
});

test('several conflicts are grouped by manager', () => {
  const a = apply(undefined, cm({ a: '1' }), { manager: 'alice', force: false }, scope());
  const b = apply(a, cm({ b: '1' }), { manager: 'bob', force: false }, scope());
  const e = conflictOf(() => apply(b, cm({ a: '2', b: '2' }), { manager: 'carol', force: false }, scope()));
  assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "alice":\n- .data.a\nconflicts with "bob":\n- .data.b');
  assert.equal(e.details?.causes?.length, 2);
});

test('apply refuses managedFields in the configuration', () => {
  const config = { ...cm({}), metadata: { name: 'c', managedFields: [] } };
  assert.throws(() => apply(undefined, config, { manager: 'a', force: false }, scope()), (e) => isStatusError(e, 'BadRequest') && /managedFields must be nil/.test(e.message));
});
