// Both endpoint controllers over real Stores (in-memory SQLite, real watch caches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointAddress, Pod, Service } from '../../../src/api/core/index.ts';
import { runEndpointsController } from '../../../src/controllers/endpoints/controller.ts';
import { runEndpointSliceController } from '../../../src/controllers/endpointslice/controller.ts';
import { eventually, memoryApi } from '../scheduler/stores.ts';

const podObject = (name: string, ip: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'web' } },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }] },
});

const serviceObject = (name: string, selector?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels: { team: 'a' } },
  spec: { clusterIP: '10.96.0.20', ...(selector ? { selector } : {}), ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
});

async function setup() {
  const s = await memoryApi();
  await s.clients.namespaces.create('', { metadata: { name: 'default' } });
  const stop = new AbortController();
  const { services, pods, endpoints, endpointSlices: slices } = s.clients;
  const errors: string[] = [];
  const start = () => {
    runEndpointsController({ services, pods, endpoints, signal: stop.signal, log: (m) => errors.push(m) });
    runEndpointSliceController({ services, pods, endpointSlices: slices, signal: stop.signal, log: (m) => errors.push(m) });
  };
  const setStatus = (name: string, ip: string, ready: boolean) =>
    pods.guaranteedUpdate(
      'default',
      name,
      (p) => ({ ...p, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }),
      'status',
    );
  const close = async () => {
    stop.abort();
    await s.close();
  };
  return { services, pods, endpoints, slices, start, setStatus, close, errors };
}

const ips = (list: EndpointAddress[] | undefined) => (list ?? []).map((a) => a.ip).sort();

test('a pod turning unready moves to notReadyAddresses and ready=false in its slice, and back', async (t) => {
  const e = await setup();
  t.after(e.close);
  e.start();
  await e.services.create('default', serviceObject('web', { app: 'web' }));
  for (const [name, ip] of [['a', '10.0.0.1'], ['b', '10.0.0.2']]) {
    await e.pods.create('default', podObject(name, ip));
    await e.setStatus(name, ip, true);
  }
  const ep = await eventually(() => {
    const cur = e.endpoints.cache.get('default', 'web');
    return cur && ips(cur.subsets?.[0]?.addresses).length === 2 ? cur : undefined;
  });
  assert.deepEqual(ep.subsets?.[0].ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(ep.metadata.labels, { team: 'a' });
  assert.ok(ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
  const slice = await eventually(() => {
    const all = e.slices.cache.list().items;
    return all.length === 1 && all[0].endpoints?.length === 2 ? all[0] : undefined;
  });
  assert.match(slice.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
  assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'web');
  assert.equal(slice.metadata.ownerReferences?.[0].uid, (await e.services.get('default', 'web')).metadata.uid);

  const flippedAt = Date.now();
  await e.setStatus('b', '10.0.0.2', false);
  const unready = await eventually(() => {
    const cur = e.endpoints.cache.get('default', 'web');
    return ips(cur?.subsets?.[0]?.notReadyAddresses).includes('10.0.0.2') ? cur : undefined;
  });
  // The controller's own delay stays well inside the probe budget.
  assert.ok(Date.now() - flippedAt < 1000, `took ${Date.now() - flippedAt} ms`);
  assert.deepEqual(ips(unready.subsets?.[0].addresses), ['10.0.0.1']);
  const unreadySlice = await eventually(() => {
    const s = e.slices.cache.list().items[0];
    const b = s?.endpoints?.find((x) => x.addresses[0] === '10.0.0.2');
    return b && b.conditions?.ready === false ? s : undefined;
  });
  assert.equal(unreadySlice.metadata.name, slice.metadata.name, 'the slice is updated in place');
  assert.deepEqual(unreadySlice.endpoints?.find((x) => x.addresses[0] === '10.0.0.2')?.conditions, { ready: false, serving: false, terminating: false });

  await e.setStatus('b', '10.0.0.2', true);
  await eventually(() => ips(e.endpoints.cache.get('default', 'web')?.subsets?.[0]?.addresses).length === 2);
  await eventually(() => e.slices.cache.list().items[0]?.endpoints?.every((x) => x.conditions?.ready));
  assert.equal(e.slices.cache.list().items.length, 1);
  assert.deepEqual(e.errors, []);
});

test('writes only on change: an unrelated pod update leaves resourceVersions alone', async (t) => {
  const e = await setup();
  t.after(e.close);
  e.start();
  await e.services.create('default', serviceObject('web', { app: 'web' }));
  await e.pods.create('default', podObject('a', '10.0.0.1'));
  await e.setStatus('a', '10.0.0.1', true);
  const ep = await eventually(() => e.endpoints.cache.get('default', 'web')?.subsets?.[0]?.addresses ? e.endpoints.cache.get('default', 'web') : undefined);
  const slice = await eventually(() => e.slices.cache.list().items[0]?.endpoints?.length === 1 && e.slices.cache.list().items[0]);
  await e.pods.guaranteedUpdate('default', 'a', (p) => ({ ...p, metadata: { ...p.metadata, annotations: { note: 'x' } } }));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(e.endpoints.cache.get('default', 'web')!.metadata.resourceVersion, ep.metadata.resourceVersion);
  assert.equal(e.slices.cache.list().items[0].metadata.resourceVersion, slice.metadata.resourceVersion);
  assert.equal(e.slices.cache.list().items.length, 1);
});

test('a deleted service loses its Endpoints and slices; a service without selector is left alone', async (t) => {
  const e = await setup();
  t.after(e.close);
  // Endpoints maintained by hand for a selector-less service.
  await e.services.create('default', serviceObject('manual'));
  await e.endpoints.create('default', { metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.168.1.1' }], ports: [{ port: 5432 }] }] });
  e.start();
  await e.services.create('default', serviceObject('web', { app: 'web' }));
  await e.pods.create('default', podObject('a', '10.0.0.1'));
  await e.setStatus('a', '10.0.0.1', true);
  await eventually(() => e.endpoints.cache.get('default', 'web')?.subsets);
  await eventually(() => e.slices.cache.list().items.some((s) => s.endpoints?.length));
  await e.services.delete('default', 'web');
  await eventually(() => !e.endpoints.cache.get('default', 'web'));
  await eventually(() => e.slices.cache.list().items.length === 0);
  const manual = e.endpoints.cache.get('default', 'manual')!;
  assert.deepEqual(ips(manual.subsets?.[0].addresses), ['192.168.1.1']);
  assert.equal(manual.metadata.labels, undefined);
  // Endpoints created ahead of their Service are not taken for leftovers while running.
  await e.endpoints.create('default', { metadata: { name: 'early' }, subsets: [{ addresses: [{ ip: '192.168.1.2' }], ports: [{ port: 80 }] }] });
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(e.endpoints.cache.get('default', 'early'));
});

test('slices deleted by someone else come back', async (t) => {
  const e = await setup();
  t.after(e.close);
  e.start();
  await e.services.create('default', serviceObject('web', { app: 'web' }));
  const first = await eventually(() => e.slices.cache.list().items[0]);
  await e.slices.delete('default', first.metadata.name!);
  const again = await eventually(() => {
    const s = e.slices.cache.list().items[0];
    return s && s.metadata.name !== first.metadata.name ? s : undefined;
  });
  assert.deepEqual(again.endpoints, []);
  await e.endpoints.delete('default', 'web');
  await eventually(() => e.endpoints.cache.get('default', 'web'));
});
