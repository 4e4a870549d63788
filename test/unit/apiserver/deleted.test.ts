// What a DELETE that removed the object answers: upstream's Store.finalizeDelete.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deletedStatus } from '../../../src/apiserver/http/deleted.ts';
import { findResource } from '../../../src/apiserver/registry/resources.ts';

const obj = { metadata: { name: 'x', namespace: 'ns', uid: 'u-1' } };

it('answers a Status naming the resource for stores without ReturnDeletedObject', () => {
  assert.deepEqual(deletedStatus(findResource('', 'v1', 'configmaps')!, obj), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'x', kind: 'configmaps', uid: 'u-1' },
  });
  assert.deepEqual(deletedStatus(findResource('coordination.k8s.io', 'v1', 'leases')!, obj)?.details, { name: 'x', group: 'coordination.k8s.io', kind: 'leases', uid: 'u-1' });
});

it('answers the object itself for pods, services, namespaces and service accounts', () => {
  for (const r of ['pods', 'services', 'namespaces', 'serviceaccounts']) assert.equal(deletedStatus(findResource('', 'v1', r)!, obj), undefined, r);
});
