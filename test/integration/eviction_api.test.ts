// The eviction API (pods/eviction) and policy/v1 PodDisruptionBudgets against the in-process
// API server, with its disruption controller keeping the budgets' status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../src/api/core/index.ts';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { eventually } from '../support/kubectl.ts';

const core = '/api/v1/namespaces/default';
const policy = '/apis/policy/v1/namespaces/default';

const eviction = (name: string, extra: object = {}) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...extra });

describe('the eviction API', () => {
  let api: TestApiServer;
  let c: TestClient;

  before(async () => {
    api = await startTestApiServer();
    c = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
  });
  after(async () => {
    c?.close();
    await api?.stop();
  });

  /** A pod of the given labels, with the phase (and readiness) a kubelet would have reported. */
  const makePod = async (name: string, labels: Record<string, string>, phase: 'Running' | 'Succeeded' | 'Pending', ready = phase === 'Running') => {
    const res = await c.request('POST', `${core}/pods`, { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35' }] } });
    assert.equal(res.status, 201, res.text);
    await api.clients.pods.guaranteedUpdate('default', name, (p: Pod) => ({
      ...p,
      status: { ...p.status, phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] },
    }), 'status');
  };
  const podExists = async (name: string) => (await c.request('GET', `${core}/pods/${name}`)).status === 200;
  const makePdb = async (name: string, spec: object) => {
    const res = await c.request('POST', `${policy}/poddisruptionbudgets`, { metadata: { name }, spec });
    assert.equal(res.status, 201, res.text);
    return res.json();
  };
  const pdbStatus = async (name: string) => (await c.request('GET', `${policy}/poddisruptionbudgets/${name}`)).json().status;
  const evict = (name: string, query = '', extra: object = {}) => c.request('POST', `${core}/pods/${name}/eviction${query}`, eviction(name, extra));

  it('serves the budgets with a reset status, generation 1, and refuses invalid specs naming the field', async () => {
    const created = await makePdb('shape', { minAvailable: 1, selector: { matchLabels: { app: 'shape' } } });
    assert.equal(created.metadata.generation, 1);
    assert.deepEqual(created.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    const both = await c.request('POST', `${policy}/poddisruptionbudgets`, { metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: 1 } });
    assert.equal(both.status, 422);
    assert.match(both.json().message, /spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set/);
    const pct = await c.request('POST', `${policy}/poddisruptionbudgets`, { metadata: { name: 'pct' }, spec: { maxUnavailable: '150%' } });
    assert.equal(pct.status, 422);
    assert.match(pct.json().message, /spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%/);
    const policyBad = await c.request('POST', `${policy}/poddisruptionbudgets`, { metadata: { name: 'pol' }, spec: { unhealthyPodEvictionPolicy: 'Never' } });
    assert.equal(policyBad.status, 422);
    assert.match(policyBad.json().message, /spec.unhealthyPodEvictionPolicy: Unsupported value: "Never"/);
    const status = await eventually(async () => {
      const s = await pdbStatus('shape');
      return s.observedGeneration === 1 && s;
    }, 10_000, 'the controller to observe the budget');
    assert.equal(status.conditions[0].type, 'DisruptionAllowed');
    assert.equal(status.conditions[0].reason, 'InsufficientPods');
    // A spec change bumps the generation; a status write through the main resource is ignored.
    const got = (await c.request('GET', `${policy}/poddisruptionbudgets/shape`)).json();
    const put = await c.request('PUT', `${policy}/poddisruptionbudgets/shape`, { ...got, spec: { ...got.spec, minAvailable: 0 }, status: { ...got.status, disruptionsAllowed: 99 } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json().metadata.generation, 2);
    assert.notEqual(put.json().status.disruptionsAllowed, 99);
    assert.equal((await c.request('DELETE', `${policy}/poddisruptionbudgets/shape`)).status, 200);
  });

  it('refuses an eviction that would break the budget with 429 and its cause, until the budget allows it', async () => {
    await makePod('x-1', { app: 'x' }, 'Running');
    await makePod('x-2', { app: 'x' }, 'Running');
    await makePdb('x', { minAvailable: 2, selector: { matchLabels: { app: 'x' } } });
    await eventually(async () => (await pdbStatus('x')).currentHealthy === 2, 10_000, 'two healthy pods counted');
    const refused = await evict('x-1');
    assert.equal(refused.status, 429, refused.text);
    const body = refused.json();
    assert.equal(body.reason, 'TooManyRequests');
    assert.equal(body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(body.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget x needs 2 healthy pods and has 2 currently' }]);
    // No retry period is suggested (upstream's 0): the client decides when to try again.
    assert.equal(refused.headers['retry-after'], undefined);
    assert.ok(await podExists('x-1'));

    const got = (await c.request('GET', `${policy}/poddisruptionbudgets/x`)).json();
    assert.equal((await c.request('PUT', `${policy}/poddisruptionbudgets/x`, { ...got, spec: { ...got.spec, minAvailable: 1 } })).status, 200);
    await eventually(async () => (await pdbStatus('x')).disruptionsAllowed === 1, 10_000, 'one disruption allowed');
    const evicted = await evict('x-1');
    assert.equal(evicted.status, 201, evicted.text);
    assert.deepEqual(evicted.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.equal(await podExists('x-1'), false);
    // The budget is spent at once; the controller then sees one healthy pod of the one needed.
    const after = await eventually(async () => {
      const s = await pdbStatus('x');
      return s.currentHealthy === 1 && s;
    }, 10_000, 'the controller to count the eviction');
    assert.equal(after.disruptionsAllowed, 0);
    assert.equal((await evict('x-2')).status, 429);
  });

  it('answers 429 with Retry-After: 10 while the budget has not observed its generation (fail-safe for a controller-owned pod)', async () => {
    // A percentage needs the pod's controller's scale; Berth has no ReplicaSets, so the
    // controller fails safe: SyncFailed, nothing allowed, and the generation stays unobserved.
    const res = await c.request('POST', `${core}/pods`, {
      metadata: { name: 'g-1', labels: { app: 'g' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'g', uid: '6b1c1a8e-0000-4000-8000-000000000001', controller: true }] },
      spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35' }] },
    });
    assert.equal(res.status, 201, res.text);
    await api.clients.pods.guaranteedUpdate('default', 'g-1', (p: Pod) => ({ ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }), 'status');
    await makePdb('g', { minAvailable: '50%', selector: { matchLabels: { app: 'g' } } });
    const failed = await eventually(async () => (await pdbStatus('g')).conditions?.find((x: any) => x.reason === 'SyncFailed'), 10_000, 'the fail-safe');
    assert.equal(failed.message, 'found no controllers for pod "g-1"');
    const stale = await evict('g-1');
    assert.equal(stale.status, 429, stale.text);
    assert.equal(stale.headers['retry-after'], '10');
    assert.equal(stale.json().details.retryAfterSeconds, 10);
    assert.equal(stale.json().details.causes[0].message, 'The disruption budget g is still being processed by the server.');
    assert.ok(await podExists('g-1'));
  });

  it('records the evicted pod in disruptedPods and leaves everything alone under dryRun', async () => {
    await makePod('d-1', { app: 'd' }, 'Running');
    await makePod('d-2', { app: 'd' }, 'Running');
    await makePdb('d', { maxUnavailable: 1, selector: { matchLabels: { app: 'd' } } });
    // maxUnavailable counts the pods' controllers; these have none, so nothing may be disrupted.
    const unmanaged = await eventually(async () => {
      const s = await pdbStatus('d');
      return s.observedGeneration === 1 && s;
    });
    assert.equal(unmanaged.expectedPods, 0);
    assert.equal(unmanaged.disruptionsAllowed, 0);
    await c.request('PATCH', `${policy}/poddisruptionbudgets/d`, { spec: { maxUnavailable: null, minAvailable: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    await eventually(async () => (await pdbStatus('d')).disruptionsAllowed === 1);
    const dry = await evict('d-1', '?dryRun=All');
    assert.equal(dry.status, 201, dry.text);
    assert.ok(await podExists('d-1'));
    assert.equal((await pdbStatus('d')).disruptionsAllowed, 1);
    // The eviction's write of the budget is seen on a watch: one disruption spent, the pod recorded.
    const seen: any[] = [];
    const stop = new AbortController();
    await c.watch(`${policy}/poddisruptionbudgets?watch=true&fieldSelector=metadata.name%3Dd`, (ev) => seen.push(ev.object.status), stop.signal);
    const real = await evict('d-1', '', { deleteOptions: { gracePeriodSeconds: 0 } });
    assert.equal(real.status, 201, real.text);
    assert.equal(await podExists('d-1'), false);
    const recorded = await eventually(() => seen.find((s) => s.disruptedPods?.['d-1']), 10_000, 'd-1 in disruptedPods');
    assert.equal(recorded.disruptionsAllowed, 0);
    assert.equal(recorded.conditions.find((x: any) => x.type === 'DisruptionAllowed').reason, 'InsufficientPods');
    // The controller drops the entry once the pod is gone.
    await eventually(async () => (await pdbStatus('d')).disruptedPods === undefined, 10_000, 'the entry dropped');
    stop.abort();
  });

  it('deletes terminal and pending pods without asking a budget, and answers 500 for two budgets', async () => {
    await makePod('t-1', { app: 't' }, 'Succeeded');
    await makePod('t-2', { app: 't' }, 'Running');
    await makePod('t-3', { app: 't' }, 'Pending');
    await makePdb('t-a', { minAvailable: 5, selector: { matchLabels: { app: 't' } } });
    await makePdb('t-b', { minAvailable: 5, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['t'] }] } });
    assert.equal((await evict('t-1')).status, 201);
    assert.equal(await podExists('t-1'), false);
    assert.equal((await evict('t-3')).status, 201);
    assert.equal(await podExists('t-3'), false);
    const two = await evict('t-2');
    assert.equal(two.status, 500);
    assert.equal(two.json().status, 'Failure');
    assert.equal(two.json().message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    assert.ok(await podExists('t-2'));
  });

  it('lets an unready pod go under AlwaysAllow without spending the budget, and checks the body', async () => {
    await makePod('u-1', { app: 'u' }, 'Running', false);
    await makePod('u-2', { app: 'u' }, 'Running');
    await makePdb('u', { minAvailable: 1, selector: { matchLabels: { app: 'u' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    await eventually(async () => (await pdbStatus('u')).observedGeneration === 1);
    const mismatch = await c.request('POST', `${core}/pods/u-1/eviction`, eviction('u-2'));
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.json().message, /name in URL does not match name in Eviction object/);
    assert.equal((await evict('u-1')).status, 201);
    assert.equal(await podExists('u-1'), false);
    assert.equal((await evict('u-2')).status, 429);
    assert.equal((await evict('nope')).status, 404);
  });

  it('shows the budgets in discovery with pods/eviction in policy/v1', async () => {
    const core = (await c.request('GET', '/api/v1')).json();
    const sub = core.resources.find((r: { name: string }) => r.name === 'pods/eviction');
    assert.deepEqual(sub, { name: 'pods/eviction', singularName: '', namespaced: true, kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' });
    const pol = (await c.request('GET', '/apis/policy/v1')).json();
    const pdb = pol.resources.find((r: { name: string }) => r.name === 'poddisruptionbudgets');
    assert.deepEqual(pdb.shortNames, ['pdb']);
    assert.ok(pol.resources.some((r: { name: string }) => r.name === 'poddisruptionbudgets/status'));
  });
});
