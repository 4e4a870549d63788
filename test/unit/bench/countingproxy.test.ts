import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestKey } from '../../../bench/lib/countingproxy.ts';

test('API requests are counted as VERB resource[/subresource], GETs of collections as LIST or WATCH', () => {
  assert.equal(requestKey('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1'), 'PUT leases');
  assert.equal(requestKey('PATCH', '/api/v1/nodes/n1/status'), 'PATCH nodes/status');
  assert.equal(requestKey('GET', '/api/v1/nodes/n1'), 'GET nodes');
  assert.equal(requestKey('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1'), 'LIST pods');
  assert.equal(requestKey('GET', '/api/v1/pods?watch=true&fieldSelector=x'), 'WATCH pods');
  assert.equal(requestKey('POST', '/api/v1/namespaces/default/events'), 'POST events');
  assert.equal(requestKey('GET', '/healthz'), 'GET /healthz');
});
