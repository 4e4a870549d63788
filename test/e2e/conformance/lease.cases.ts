// Upstream's test/e2e/common/node/lease.go: the coordination.k8s.io/v1 Lease API. docs/conformance.md
// has every case and its status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NAMESPACE, conformanceCluster, type Framework, type Json } from './framework.ts';

/** Go's time.Time{} plus s seconds, as a MicroTime. */
const micro = (s: number) => `0001-01-01T00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000000Z`;

const spec = (holder: string, duration: number, acquire: number, renew: number, transitions: number): Json => ({
  holderIdentity: holder,
  leaseDurationSeconds: duration,
  acquireTime: micro(acquire),
  renewTime: micro(renew),
  leaseTransitions: transitions,
});

/** Upstream compares specs semantically: times by instant, not by their text. */
function assertSpec(actual: Json, expected: Json, what: string) {
  const norm = (s: Json) => ({ ...s, acquireTime: Date.parse(s.acquireTime), renewTime: Date.parse(s.renewTime) });
  assert.deepEqual(norm(actual), norm(expected), `Leases don't match (${what})`);
}

describe('[sig-node] Lease', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] Lease lease API should be available [Conformance]', async () => {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`;
    const name = 'lease';
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: spec('holder', 30, 2, 5, 0) };

    const c = await f.api.request('POST', base, lease);
    assert.equal(c.status, 201, `creating Lease failed: ${c.text}`);
    const created = c.json();
    assert.match(created.metadata.resourceVersion ?? '', /^[1-9][0-9]*$/, 'a valid resourceVersion');
    const read = async () => {
      const r = await f.api.request('GET', `${base}/${name}`);
      assert.equal(r.status, 200, `couldn't read Lease: ${r.text}`);
      return r.json();
    };
    assertSpec((await read()).spec, lease.spec, 'created');

    created.spec = spec('holder2', 30, 20, 50, 1);
    const u = await f.api.request('PUT', `${base}/${name}`, created);
    assert.equal(u.status, 200, `updating Lease failed: ${u.text}`);
    assertSpec((await read()).spec, created.spec, 'updated');

    const patchedSpec = spec('holder3', 60, 50, 70, 2);
    const p = await f.api.request('PATCH', `${base}/${name}`, JSON.stringify({ spec: patchedSpec }), { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(p.status, 200, `patching Lease failed: ${p.text}`);
    const afterPatch = await read();
    assertSpec(afterPatch.spec, patchedSpec, 'patched');
    assert.ok(BigInt(afterPatch.metadata.resourceVersion) > BigInt(created.metadata.resourceVersion), 'patched object should have a larger resource version');

    const c2 = await f.api.request('POST', base, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lease2', labels: { deletecollection: 'true' } }, spec: spec('holder', 30, 2, 5, 0) });
    assert.equal(c2.status, 201, `creating Lease failed: ${c2.text}`);
    assert.equal((await f.api.request('GET', base)).json().items.length, 2);

    const dc = await f.api.request('DELETE', `${base}?labelSelector=${encodeURIComponent('deletecollection=true')}`);
    assert.equal(dc.status, 200, `couldn't delete collection: ${dc.text}`);
    assert.equal((await f.api.request('GET', base)).json().items.length, 1);

    const d = await f.api.request('DELETE', `${base}/${name}`);
    assert.equal(d.status, 200, `deleting Lease failed: ${d.text}`);
    assert.equal((await f.api.request('GET', `${base}/${name}`)).status, 404);

    const all = await f.api.request('GET', '/apis/coordination.k8s.io/v1/leases');
    assert.equal(all.status, 200, `couldn't list Leases from all namespace: ${all.text}`);
  });
});
