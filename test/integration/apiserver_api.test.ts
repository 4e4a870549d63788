// API semantics that kubectl does not show directly: error shapes and codes, graceful pod
// deletion, finalizers, watch and list expiry, pagination, TokenRequest and the review APIs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { eventually } from '../support/kubectl.ts';

const pod = (name: string, extra: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35' }], ...extra },
});

describe('API semantics', () => {
  let api: TestApiServer;
  let c: TestClient;
  const ns = '/api/v1/namespaces/default';

  before(async () => {
    api = await startTestApiServer({ watchCacheHistory: 50 });
    c = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
  });
  after(async () => {
    c?.close();
    await api?.stop();
  });

  it('answers bad input with Status errors naming the problem, changing nothing', async () => {
    const malformed = await c.request('POST', `${ns}/configmaps`, '{"kind": "ConfigMap", ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json().kind, 'Status');
    assert.equal(malformed.json().reason, 'BadRequest');
    const big = await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'big' }, data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) } });
    assert.equal(big.status, 413);
    assert.equal(big.json().reason, 'RequestEntityTooLarge');
    const unknown = await c.request('GET', `${ns}/widgets`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().reason, 'NotFound');
    const strict = await c.request('POST', `${ns}/configmaps?fieldValidation=Strict`, { metadata: { name: 'strict' }, dataa: {} });
    assert.equal(strict.status, 400);
    assert.match(strict.json().message, /unknown field "dataa"/);
    const warn = await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'warned' }, dataa: {} });
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /unknown field/);
    const invalid = await c.request('POST', `${ns}/pods`, { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.json().details.causes[0].field, 'metadata.name');
    const method = await c.request('PUT', '/apis/authentication.k8s.io/v1/tokenreviews', {});
    assert.equal(method.status, 405);
    const names = (await c.request('GET', `${ns}/configmaps`)).json().items.map((i: any) => i.metadata.name);
    assert.ok(!names.includes('big') && !names.includes('strict'));
  });

  it('deletes a running pod gracefully, and at once with grace 0', async () => {
    assert.equal((await c.request('POST', `${ns}/pods`, pod('graceful', { nodeName: 'node-x' }))).status, 201);
    const del = await c.request('DELETE', `${ns}/pods/graceful`);
    assert.equal(del.status, 202);
    const marked = (await c.request('GET', `${ns}/pods/graceful`)).json();
    assert.ok(marked.metadata.deletionTimestamp);
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
    const shorter = await c.request('DELETE', `${ns}/pods/graceful?gracePeriodSeconds=-5`);
    assert.equal(shorter.json().metadata.deletionGracePeriodSeconds, 1, 'a negative grace period counts as 1');
    const wrongUid = await c.request('DELETE', `${ns}/pods/graceful`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'nope' } });
    assert.equal(wrongUid.status, 409);
    assert.equal((await c.request('DELETE', `${ns}/pods/graceful`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: marked.metadata.uid } })).status, 200);
    assert.equal((await c.request('GET', `${ns}/pods/graceful`)).status, 404);
    // Not bound to a node: gone at once.
    await c.request('POST', `${ns}/pods`, pod('unbound'));
    assert.equal((await c.request('DELETE', `${ns}/pods/unbound`)).status, 200);
    assert.equal((await c.request('GET', `${ns}/pods/unbound`)).status, 404);
  });

  it('names objects from generateName and ends a watch at timeoutSeconds', async () => {
    const made = await c.request('POST', `${ns}/configmaps`, { metadata: { generateName: 'gen-' } });
    assert.equal(made.status, 201);
    assert.match(made.json().metadata.name, /^gen-[a-z0-9]{5}$/);
    assert.match(made.json().metadata.uid, /^[0-9a-f-]{36}$/);
    assert.ok(made.json().metadata.creationTimestamp);
    const started = Date.now();
    const stop = new AbortController();
    const ended = new Promise<void>((resolve) => {
      void c.watch(`${ns}/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${made.json().metadata.resourceVersion}`, () => {}, stop.signal, resolve);
    });
    await ended;
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 4000, `the watch ended after ${took} ms`);
  });

  it('honours finalizers', async () => {
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    assert.equal((await c.request('DELETE', `${ns}/configmaps/held`)).status, 202);
    const held = (await c.request('GET', `${ns}/configmaps/held`)).json();
    assert.ok(held.metadata.deletionTimestamp);
    await c.request('PATCH', `${ns}/configmaps/held`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal((await c.request('GET', `${ns}/configmaps/held`)).status, 404);
  });

  it('pages lists with limit and continue, and expires old continue tokens and watches', async () => {
    for (let i = 0; i < 5; i++) await c.request('POST', `${ns}/configmaps`, { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } });
    const first = (await c.request('GET', `${ns}/configmaps?labelSelector=paged%3Dyes&limit=2`)).json();
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue);
    const second = (await c.request('GET', `${ns}/configmaps?labelSelector=paged%3Dyes&limit=2&continue=${first.metadata.continue}`)).json();
    assert.deepEqual(second.items.map((i: any) => i.metadata.name), ['page-2', 'page-3']);
    const rv = Number(first.metadata.resourceVersion);
    // More writes than the watch cache keeps (50 events here), so an old watch cannot resume.
    for (let i = 0; i < 60; i++) await c.request('POST', `${ns}/configmaps`, { metadata: { name: `later-${i}` } });
    await api.storage.compact(await api.storage.currentRevision());
    const expired = await c.request('GET', `${ns}/configmaps?limit=2&continue=${first.metadata.continue}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.json().reason, 'Expired');
    // Watches resume from the cache's history, not storage; a revision before the cache started is gone.
    const events: any[] = [];
    const stop = new AbortController();
    await c.watch(`${ns}/configmaps?watch=1&resourceVersion=${rv}`, (e) => events.push(e), stop.signal);
    await eventually(() => events.length > 0, 5000, 'the ERROR event');
    stop.abort();
    assert.equal(events[0].type, 'ERROR');
    assert.equal(events[0].object.code, 410);
    assert.equal(events[0].object.reason, 'Expired');
  });

  it('resumes a watch from a resourceVersion and sends bookmarks with initial events', async () => {
    const list = (await c.request('GET', `${ns}/configmaps`)).json();
    const events: any[] = [];
    const stop = new AbortController();
    await c.watch(`${ns}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}&fieldSelector=metadata.name%3Dwatched`, (e) => events.push(e), stop.signal);
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'watched' } });
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'ignored' } });
    await c.request('DELETE', `${ns}/configmaps/watched`);
    await eventually(() => events.length >= 2, 5000, 'two events');
    stop.abort();
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'DELETED']);
    const initial: any[] = [];
    const stop2 = new AbortController();
    await c.watch(`${ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, (e) => initial.push(e), stop2.signal);
    await eventually(() => initial.some((e) => e.type === 'BOOKMARK'), 5000, 'the initial-events-end bookmark');
    stop2.abort();
    const bookmark = initial.find((e) => e.type === 'BOOKMARK');
    assert.equal(bookmark.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.ok(initial.filter((e) => e.type === 'ADDED').length >= 5);
  });

  it('issues service account tokens that TokenReview accepts, and answers SubjectAccessReviews', async () => {
    await eventually(async () => (await c.request('GET', `${ns}/serviceaccounts/default`)).status === 200, 5000, 'the default service account');
    const tr = await c.request('POST', `${ns}/serviceaccounts/default/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['api'], expirationSeconds: 3600 } });
    assert.equal(tr.status, 201);
    const token = tr.json().status.token;
    const review = await c.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: ['api'] } });
    assert.equal(review.json().status.authenticated, true);
    assert.equal(review.json().status.user.username, 'system:serviceaccount:default:default');
    const sar = await c.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'alice', groups: ['system:authenticated'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } },
    });
    assert.equal(sar.json().status.allowed, false);
    // A token for the API server's own audience authenticates requests (and service accounts
    // have no rights until RBAC); one for another audience does not.
    const own = (await c.request('POST', `${ns}/serviceaccounts/default/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })).json().status.token;
    const foreign = new TestClient({ ...c.creds, cert: undefined, key: undefined, token });
    assert.equal((await foreign.request('GET', `${ns}/pods`)).status, 401);
    foreign.close();
    const asSa = new TestClient({ ...c.creds, cert: undefined, key: undefined, token: own });
    const denied = await asSa.request('GET', `${ns}/pods`);
    asSa.close();
    assert.equal(denied.status, 403);
    assert.match(denied.json().message, /User "system:serviceaccount:default:default" cannot list resource "pods"/);
  });
});
