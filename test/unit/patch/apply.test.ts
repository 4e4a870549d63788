import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, patchKindOf, patchContentTypes } from '../../../src/api/patch/index.ts';
import { isStatusError } from '../../../src/api/errors.ts';
import type { Pod } from '../../../src/api/core/index.ts';

const pod = (): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' } },
  spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] },
});
const containersPatch = JSON.stringify({ spec: { containers: [{ name: 'b', image: 'b:2' }] } });

test('dispatches by media type, ignoring parameters and case', () => {
  assert.equal(patchKindOf('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchKindOf('Application/Strategic-Merge-Patch+JSON'), 'strategic');
  assert.equal(patchKindOf(patchContentTypes.json), 'json');
  assert.equal(patchKindOf('application/json'), undefined);

  const strategic = applyPatch(pod(), containersPatch, 'application/strategic-merge-patch+json', 'V1Pod');
  assert.deepEqual(strategic.spec, { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] });
  const merge = applyPatch(pod(), containersPatch, 'application/merge-patch+json', 'V1Pod');
  assert.deepEqual(merge.spec, { containers: [{ name: 'b', image: 'b:2' }] });
  const json = applyPatch(pod(), '[{"op":"replace","path":"/spec/containers/1/image","value":"b:3"}]', 'application/json-patch+json', 'V1Pod');
  assert.deepEqual(json.spec, { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:3' }] });
});

test('an unsupported media type is 415', () => {
  assert.throws(() => applyPatch(pod(), '{}', 'application/json', 'V1Pod'), (e) => isStatusError(e, 'UnsupportedMediaType') && e.code === 415);
});

test('a body that is not JSON is 400 saying so', () => {
  for (const type of Object.values(patchContentTypes)) {
    assert.throws(() => applyPatch(pod(), '{"spec":', type, 'V1Pod'), (e) => isStatusError(e, 'BadRequest') && /not valid JSON/.test(e.message));
  }
});

test('merge and strategic patches must be JSON objects', () => {
  assert.throws(() => applyPatch(pod(), '[1]', patchContentTypes.merge, 'V1Pod'), (e) => isStatusError(e, 'BadRequest'));
  assert.throws(() => applyPatch(pod(), '"x"', patchContentTypes.strategic, 'V1Pod'), (e) => isStatusError(e, 'BadRequest'));
});

test('the stored object is never mutated', () => {
  const original = pod();
  applyPatch(original, containersPatch, patchContentTypes.strategic, 'V1Pod');
  applyPatch(original, '{"metadata":{"labels":null}}', patchContentTypes.merge, 'V1Pod');
  assert.deepEqual(original, pod());
});
