import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '../../../src/api/errors.ts';
import { rfc3339Micro } from '../../../src/api/object.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';
import { NodeLeaseController, renewedLease } from '../../../src/kubelet/nodelease/controller.ts';
import type { Lease } from '../../../src/api/core/index.ts';
import { FakeApi } from './fakeapi.ts';

const leasePath = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1';
/** The stored Lease (the fake API keeps objects of any kind). */
const storedLease = (api: FakeApi) => api.objects.get(leasePath) as Lease | undefined;

test('renewedLease: holder, duration, microsecond renewTime, owner once the Node is known', () => {
  const now = new Date('2026-11-27T03:55:00.123Z');
  const fresh = renewedLease(undefined, { nodeName: 'n1', durationSeconds: 40, now });
  assert.deepEqual(fresh, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2026-11-27T03:55:00.123000Z' },
  });
  const owned = renewedLease(fresh, { nodeName: 'n1', durationSeconds: 40, now, nodeUid: 'u-1' });
  assert.deepEqual(owned.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u-1' }]);
  assert.equal((fresh.metadata as Record<string, unknown>).ownerReferences, undefined, 'the base is not mutated');
});

test('the lease is created, then renewed every quarter of its duration with PUTs only', async () => {
  const api = new FakeApi();
  const clock = new FakeClock(new Date('2026-11-27T03:55:00Z'));
  let uid: string | undefined;
  const ctl = new NodeLeaseController({ api, nodeName: 'n1', durationSeconds: 40, clock, log: silentLogger, nodeUid: () => uid });
  assert.equal(ctl.renewIntervalMs, 10_000);
  const ac = new AbortController();
  const loop = ctl.run(ac.signal);
  await settle();
  assert.equal(api.count('get', leasePath), 1);
  assert.equal(api.count('create'), 1);
  assert.equal(storedLease(api)?.spec?.renewTime, '2026-11-27T03:55:00.000000Z');

  await clock.advance(9_999);
  assert.equal(api.count('update'), 0, 'not before the renew interval');
  await clock.advance(1);
  assert.equal(api.count('update'), 1);
  assert.equal(storedLease(api)?.spec?.renewTime, '2026-11-27T03:55:10.000000Z');

  uid = 'node-uid';
  await clock.advance(30_000);
  assert.equal(api.count('update'), 4);
  assert.equal(api.count('get'), 1, 'no GET on the happy path');
  const lease = storedLease(api)!;
  assert.equal(lease.spec?.renewTime, '2026-11-27T03:55:40.000000Z');
  assert.equal(lease.spec?.holderIdentity, 'n1');
  assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' }]);
  ac.abort();
  await loop;
});

test('a failed renewal falls back to get-or-create with backoff, then updates', async () => {
  const api = new FakeApi();
  const clock = new FakeClock();
  const ctl = new NodeLeaseController({ api, nodeName: 'n1', durationSeconds: 40, clock, log: silentLogger, nodeUid: () => undefined });
  const ac = new AbortController();
  const loop = ctl.run(ac.signal);
  await settle();
  assert.equal(api.count('create'), 1);
  // The API is briefly down: the PUT of the latest lease fails, so does the first GET of the
  // fallback, which is retried after 100 ms.
  api.failNext = [errors.unavailable('down'), errors.unavailable('down')];
  await clock.advance(10_000);
  assert.equal(api.count('update'), 1);
  assert.equal(api.count('get', leasePath), 2);
  await clock.advance(100);
  assert.equal(api.count('get', leasePath), 3);
  assert.equal(api.count('update'), 2, 'updated from the lease it got');
  assert.equal(storedLease(api)!.spec?.renewTime, rfc3339Micro(clock.now()));
  ac.abort();
  await loop;
});

test('a conflicting renewal (someone else wrote the lease) re-reads it and renews', async () => {
  const api = new FakeApi();
  const clock = new FakeClock();
  const ctl = new NodeLeaseController({ api, nodeName: 'n1', durationSeconds: 8, clock, log: silentLogger, nodeUid: () => undefined });
  const ac = new AbortController();
  const loop = ctl.run(ac.signal);
  await settle();
  api.put(leasePath, api.objects.get(leasePath)!); // bumps the resourceVersion behind the kubelet's back
  await clock.advance(2_000);
  assert.deepEqual(api.calls.slice(2).map((c) => c.verb), ['update', 'get', 'update']);
  assert.equal(storedLease(api)!.spec?.renewTime, rfc3339Micro(clock.now()));
  ac.abort();
  await loop;
});
