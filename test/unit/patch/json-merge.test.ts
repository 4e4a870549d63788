import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from '../../../src/api/patch/json.ts';
import { applyMergePatch } from '../../../src/api/patch/merge.ts';
import { isStatusError } from '../../../src/api/errors.ts';

const obj = () => ({ metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'a:1' }] } });

test('merge patch: null removes, objects merge, arrays replace, inputs untouched', () => {
  const original = obj();
  const patch = { metadata: { labels: { app: null, tier: 'x' } }, spec: { containers: [{ name: 'b' }] } };
  const out: any = applyMergePatch(original, patch);
  assert.deepEqual(out, { metadata: { name: 'p', labels: { tier: 'x' } }, spec: { containers: [{ name: 'b' }] } });
  assert.deepEqual(original, obj());
  out.metadata.name = 'changed';
  assert.equal(original.metadata.name, 'p', 'the result shares nothing with the original');
});

test('merge patch: a nested object replaces a scalar, a scalar replaces an object', () => {
  assert.deepEqual(applyMergePatch({ a: 'x', b: { c: 1 } }, { a: { d: null, e: 1 }, b: 2 }), { a: { e: 1 }, b: 2 });
});

test('json patch: add and replace', () => {
  const out: any = applyJsonPatch(obj(), [
    { op: 'add', path: '/metadata/labels/tier', value: 'front' },
    { op: 'replace', path: '/spec/containers/0/image', value: 'a:2' },
    { op: 'add', path: '/spec/containers/-', value: { name: 'b', image: 'b:1' } },
  ]);
  assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front' });
  assert.deepEqual(out.spec.containers.map((c: any) => c.image), ['a:2', 'b:1']);
});

test('json patch: a passing test lets the patch apply; a failing test is 422 naming op and path', () => {
  const ok: any = applyJsonPatch(obj(), [{ op: 'test', path: '/metadata/labels/app', value: 'web' }, { op: 'remove', path: '/metadata/labels/app' }]);
  assert.deepEqual(ok.metadata.labels, {});
  const original = obj();
  assert.throws(
    () => applyJsonPatch(original, [{ op: 'remove', path: '/metadata/labels/app' }, { op: 'test', path: '/metadata/name', value: 'q' }]),
    (e) => isStatusError(e, 'Invalid') && e.code === 422 && /test operation 1 failed/.test(e.message) && e.message.includes('"/metadata/name"'),
  );
  assert.deepEqual(original, obj(), 'a failed patch changes nothing');
});

test('json patch: a path that does not exist is 422', () => {
  assert.throws(
    () => applyJsonPatch(obj(), [{ op: 'replace', path: '/spec/nodeName', value: 'n1' }]),
    (e) => isStatusError(e, 'Invalid') && e.message.includes('"/spec/nodeName" does not exist'),
  );
  assert.throws(() => applyJsonPatch(obj(), [{ op: 'add', path: '/status/phase', value: 'x' }]), (e) => isStatusError(e, 'Invalid'));
});

test('json patch: a malformed patch is 400 naming the operation', () => {
  const bad = (patch: unknown, re: RegExp) => assert.throws(() => applyJsonPatch(obj(), patch), (e) => isStatusError(e, 'BadRequest') && re.test(e.message));
  bad({ op: 'add' }, /JSON array/);
  bad([{ op: 'frobnicate', path: '/a' }], /operation 0: unknown op "frobnicate"/);
  bad([{ op: 'add', path: '/a', value: 1 }, { op: 'add', path: 'a', value: 1 }], /operation 1: path "a" must start with/);
  bad([{ op: 'replace', path: '/a' }], /missing a "value"/);
  bad([{ op: 'move', path: '/a' }], /missing a "from"/);
});

test('json patch: replacing the whole document with a non-object is 422', () => {
  assert.throws(() => applyJsonPatch(obj(), [{ op: 'replace', path: '', value: 'x' }]), (e) => isStatusError(e, 'Invalid'));
});
