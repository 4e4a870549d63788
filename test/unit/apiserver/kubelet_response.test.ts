// A failed kubelet answer reaches clients as a Status with upstream's code and message (issue #15
// item 3): upstream's GenericHttpResponseChecker, which the pods/log REST runs before streaming.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeletErrorStatus, kubeletOk } from '../../../src/apiserver/kubeletresponse.ts';

const podsLog = { group: '', resource: 'pods/log' };

describe('kubeletErrorStatus', () => {
  it('keeps a 400\'s message as a BadRequest', () => {
    const s = kubeletErrorStatus(400, 'previous terminated container "c" in pod "hello" not found', podsLog, 'hello').toStatus();
    assert.deepEqual(s, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'previous terminated container "c" in pod "hello" not found', reason: 'BadRequest', code: 400,
    });
  });

  it('makes a 500 an InternalError with the kubelet\'s message', () => {
    const e = kubeletErrorStatus(500, 'boom', podsLog, 'hello');
    assert.equal(e.code, 500);
    assert.equal(e.reason, 'InternalError');
    assert.equal(e.message, 'Internal error occurred: boom');
  });

  it('answers other codes with upstream\'s generic message naming pods/log and the pod', () => {
    const nf = kubeletErrorStatus(404, 'pod "hello" does not exist', podsLog, 'hello');
    assert.equal(nf.code, 404);
    assert.equal(nf.reason, 'NotFound');
    assert.equal(nf.message, 'the server could not find the requested resource ( pods/log hello)');
    assert.deepEqual(nf.details, { group: undefined, kind: 'pods/log', name: 'hello' });
    const forbidden = kubeletErrorStatus(403, 'Forbidden (user=x, verb=get, resource=nodes, subresource=log)', podsLog, 'hello');
    assert.equal(forbidden.reason, 'Forbidden');
    assert.equal(forbidden.message, 'Forbidden (user=x, verb=get, resource=nodes, subresource=log) ( pods/log hello)');
    const bad = kubeletErrorStatus(502, 'gateway', podsLog, 'hello');
    assert.equal(bad.reason, 'InternalError');
    assert.equal(bad.message, 'an error on the server ("gateway") has prevented the request from succeeding ( pods/log hello)');
    assert.equal(kubeletErrorStatus(422, '{"message": "Invalid request."}', podsLog, 'hello').reason, 'Invalid');
  });

  it('counts 200 to 206 as success', () => {
    assert.equal(kubeletOk(200), true);
    assert.equal(kubeletOk(206), true);
    assert.equal(kubeletOk(300), false);
    assert.equal(kubeletOk(400), false);
  });
});
