import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from '../../../src/api/core/index.ts';
import { desiredSlices, type SlicePlan } from '../../../src/controllers/endpointslice/reconcile.ts';
import { pod, service } from '../endpoints/fixtures.ts';

let counter = 0;
/** What the API server would store for a planned create. */
function stored(slice: EndpointSlice): EndpointSlice {
  const s = structuredClone(slice);
  if (!s.metadata.name) s.metadata.name = `${s.metadata.generateName}x${counter++}`;
  s.metadata.uid ??= `slice-uid-${s.metadata.name}`;
  s.metadata.resourceVersion = String(++counter);
  return s;
}

/** Applies a plan to a set of stored slices, as the controller would. */
function apply(existing: EndpointSlice[], plan: SlicePlan): EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata.name!, s]));
  for (const s of plan.delete) byName.delete(s.metadata.name!);
  for (const s of plan.update) {
    assert.ok(byName.has(s.metadata.name!), `update of unknown slice ${s.metadata.name}`);
    byName.set(s.metadata.name!, stored(s));
  }
  for (const s of plan.create) {
    const c = stored(s);
    byName.set(c.metadata.name!, c);
  }
  return [...byName.values()];
}

const empty = (p: SlicePlan) => p.create.length + p.update.length + p.delete.length === 0;
const allEndpoints = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints ?? []);

test('a new slice: name prefix, labels, owner, address type, ports and endpoint conditions', () => {
  const svc = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] }, { team: 'a' });
  const plan = desiredSlices(svc, [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', ready: false })], [], { triggerTime: new Date('2024-01-01T00:00:00Z') });
  assert.equal(plan.create.length, 1);
  const s = plan.create[0];
  assert.equal(s.apiVersion, 'discovery.k8s.io/v1');
  assert.equal(s.kind, 'EndpointSlice');
  assert.equal(s.metadata.generateName, 'web-');
  assert.equal(s.metadata.name, undefined);
  assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid-web', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(s.metadata.annotations, { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-01-01T00:00:00Z' });
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(s.endpoints, [
    { addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
    { addresses: ['10.0.0.2'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
  ]);
});

test('terminating pods stay in slices: serving follows readiness, ready is false unless publishNotReadyAddresses', () => {
  const pods = [pod('a', { ip: '10.0.0.1', terminating: true }), pod('b', { ip: '10.0.0.2', terminating: true, ready: false })];
  const plain = desiredSlices(service('web'), pods, []).create[0].endpoints;
  assert.deepEqual(plain.map((e: any) => e.conditions), [
    { ready: false, serving: true, terminating: true },
    { ready: false, serving: false, terminating: true },
  ]);
  const published = desiredSlices(service('web', { publishNotReadyAddresses: true }), pods, []).create[0].endpoints;
  assert.deepEqual(published.map((e: any) => e.conditions.ready), [true, true]);
});

test('pods without IP or finished are left out; headless slices carry the label and hostnames', () => {
  const svc = service('web', { clusterIP: 'None', ports: [] });
  const plan = desiredSlices(svc, [pod('a', { ip: '10.0.0.1', hostname: 'a', subdomain: 'web' }), pod('b', { ip: '' }), pod('c', { ip: '10.0.0.3', phase: 'Failed' })], []);
  assert.equal(plan.create.length, 1);
  assert.equal(plan.create[0].metadata.labels?.['service.kubernetes.io/headless'], '');
  assert.deepEqual(plan.create[0].ports, []);
  assert.deepEqual(allEndpoints(plan.create).map((e) => [e.addresses[0], e.hostname]), [['10.0.0.1', 'a']]);
});

test('endpoints are grouped by their resolved port set; a missing named port makes its own group', () => {
  const svc = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'admin', port: 81, targetPort: 9000 }] });
  const plan = desiredSlices(svc, [
    pod('a', { ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('b', { ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('c', { ip: '10.0.0.3', ports: [{ name: 'http', containerPort: 8081 }] }),
    pod('d', { ip: '10.0.0.4', ports: [] }),
  ], []);
  const groups = plan.create.map((s) => [(s.ports ?? []).map((p) => `${p.name}:${p.port}`).join(','), s.endpoints.map((e: any) => e.addresses[0]).join(',')]).sort();
  assert.deepEqual(groups, [
    ['http:8080,admin:9000', '10.0.0.1,10.0.0.2'],
    ['http:8081,admin:9000', '10.0.0.3'],
    ['admin:9000', '10.0.0.4'],
  ].sort());
});

test('at most maxEndpointsPerSlice endpoints a slice', () => {
  const pods = Array.from({ length: 7 }, (_, i) => pod(`p${i}`, { ip: `10.0.0.${i + 1}` }));
  const plan = desiredSlices(service('web'), pods, [], { maxEndpointsPerSlice: 3 });
  assert.deepEqual(plan.create.map((s) => s.endpoints.length), [3, 3, 1]);
});

test('a steady state plans nothing; a readiness change updates the same slice in place', () => {
  const svc = service('web');
  const pods = [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2' })];
  let slices = apply([], desiredSlices(svc, pods, []));
  assert.equal(slices.length, 1);
  assert.ok(empty(desiredSlices(svc, pods, slices)));
  const flipped = desiredSlices(svc, [pods[0], pod('b', { ip: '10.0.0.2', ready: false })], slices);
  assert.equal(flipped.create.length, 0);
  assert.equal(flipped.delete.length, 0);
  assert.deepEqual(flipped.update.map((s) => s.metadata.name), [slices[0].metadata.name]);
  assert.equal(flipped.update[0].metadata.resourceVersion, slices[0].metadata.resourceVersion);
  assert.deepEqual(flipped.update[0].endpoints.map((e: any) => e.conditions.ready), [true, false]);
  slices = apply(slices, flipped);
  assert.ok(empty(desiredSlices(svc, [pods[0], pod('b', { ip: '10.0.0.2', ready: false })], slices)));
});

test('new endpoints fill an existing slice with room instead of making a new one', () => {
  const svc = service('web');
  const slices = apply([], desiredSlices(svc, [pod('a', { ip: '10.0.0.1' })], [], { maxEndpointsPerSlice: 3 }));
  const plan = desiredSlices(svc, [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2' })], slices, { maxEndpointsPerSlice: 3 });
  assert.equal(plan.create.length, 0);
  assert.equal(plan.update.length, 1);
  assert.deepEqual(plan.update[0].endpoints.map((e: any) => e.addresses[0]), ['10.0.0.1', '10.0.0.2']);
});

test('a service without endpoints keeps one placeholder slice, reused when pods come', () => {
  const svc = service('web');
  const first = desiredSlices(svc, [], []);
  assert.equal(first.create.length, 1);
  assert.deepEqual(first.create[0].endpoints, []);
  assert.deepEqual(first.create[0].ports, []);
  let slices = apply([], first);
  assert.ok(empty(desiredSlices(svc, [], slices)));
  const withPod = desiredSlices(svc, [pod('a', { ip: '10.0.0.1' })], slices);
  assert.equal(withPod.create.length, 0);
  assert.equal(withPod.delete.length, 0);
  assert.equal(withPod.update.length, 1);
  assert.equal(withPod.update[0].metadata.name, slices[0].metadata.name);
  assert.equal(withPod.update[0].metadata.uid, slices[0].metadata.uid);
  assert.deepEqual(withPod.update[0].ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  slices = apply(slices, withPod);
  // The pod goes: its slice is emptied back into the placeholder (reused, not deleted).
  const gone = desiredSlices(svc, [], slices);
  slices = apply(slices, gone);
  assert.equal(slices.length, 1);
  assert.deepEqual(slices[0].endpoints, []);
  assert.ok(empty(desiredSlices(svc, [], slices)));
});

test('a changed targetPort moves endpoints into a reused slice with the new ports', () => {
  const pods = [pod('a', { ip: '10.0.0.1' })];
  const slices = apply([], desiredSlices(service('web'), pods, []));
  const moved = desiredSlices(service('web', { ports: [{ port: 80, targetPort: 9090, protocol: 'TCP' }] }), pods, slices);
  assert.equal(moved.create.length + moved.delete.length, 0);
  assert.equal(moved.update[0].metadata.name, slices[0].metadata.name);
  assert.deepEqual(moved.update[0].ports, [{ name: '', port: 9090, protocol: 'TCP' }]);
});

test('slices of an earlier service of the same name, or being deleted, are not reused', () => {
  const old = apply([], desiredSlices(service('web'), [pod('a', { ip: '10.0.0.1' })], []));
  const recreated = service('web');
  recreated.metadata.uid = 'new-uid';
  const plan = desiredSlices(recreated, [pod('a', { ip: '10.0.0.1' })], old);
  assert.equal(plan.create.length, 1);
  assert.deepEqual(plan.delete.map((s) => s.metadata.name), [old[0].metadata.name]);
  const deleting = old.map((s) => ({ ...s, metadata: { ...s.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } }));
  const again = desiredSlices(service('web'), [pod('a', { ip: '10.0.0.1' })], deleting);
  assert.equal(again.create.length, 1);
  assert.equal(again.delete.length + again.update.length, 0);
});

test('services without a selector get no plan at all', () => {
  const svc = service('web', { selector: undefined });
  assert.ok(empty(desiredSlices(svc, [pod('a')], [])));
});

test('label changes of the service update its slices', () => {
  const pods = [pod('a', { ip: '10.0.0.1' })];
  const slices = apply([], desiredSlices(service('web'), pods, []));
  const plan = desiredSlices(service('web', {}, { v: '2' }), pods, slices);
  assert.equal(plan.update.length, 1);
  assert.equal(plan.update[0].metadata.labels?.v, '2');
});

test('the last pod leaving turns its slice into the placeholder in place', () => {
  const svc = service('web');
  const slices = apply([], desiredSlices(svc, [pod('a', { ip: '10.0.0.1' })], []));
  const gone = desiredSlices(svc, [], slices);
  assert.deepEqual([gone.create.length, gone.delete.length], [0, 0]);
  assert.equal(gone.update[0].metadata.name, slices[0].metadata.name);
  assert.deepEqual([gone.update[0].endpoints, gone.update[0].ports], [[], []]);
});
