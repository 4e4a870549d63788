// The Debian python3-kubernetes client (22.6), which nobody here wrote, against the in-process
// API server (issue #15, client matrix): lists and pagination, watches (live, resumed, and from a
// revision the server no longer keeps: 410), patches of each kind it sends, and deletes. Each
// scenario is a function of test/fixtures/clients/python_client.py printing JSON. Pod logs need a
// kubelet: test/e2e/clients_python.test.ts. No containerd here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { runPythonClient } from '../support/python.ts';

/** Events the watch cache keeps for resuming (small, so that a test can write past it). */
const history = 20;

describe('python3-kubernetes client', () => {
  let api: TestApiServer;
  let c: TestClient;
  const run = (scenario: string, args: object, onReady?: (v: any) => Promise<void>) => runPythonClient(api.kubeconfig, scenario, args, { onReady });

  before(async () => {
    // Compaction every second, as the earlier findings need (quiet types listed after it).
    api = await startTestApiServer({ watchCacheHistory: history, etcdCompactionIntervalMs: 1000 });
    c = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
  });
  after(async () => {
    c?.close();
    await api?.stop();
  });

  async function write(method: string, path: string, body?: object): Promise<any> {
    const res = await c.request(method, path, body, method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : {});
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
    return res.json();
  }

  it('lists, selects, lists across namespaces and pages through a list pinned to its first revision', async () => {
    const out = await run('lists', { namespace: 'py-lists', count: 12, limit: 5 });
    const created = Array.from({ length: 12 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);
    // Every namespace gets the root CA configmap from the controller.
    assert.deepEqual(out.all, [...created, 'kube-root-ca.crt']);
    assert.deepEqual(out.even, created.filter((_, i) => i % 2 === 0));
    assert.deepEqual(out.secrets.filter((s: string[]) => s[0] === 'py-lists'), [['py-lists', 's1', { k: 'dg==' }]]);
    assert.ok(out.namespaces.includes('py-lists') && out.namespaces.includes('kube-system'), out.namespaces.join());

    const seen = out.pages.flatMap((p: { names: string[] }) => p.names);
    assert.deepEqual(seen, [...created, 'kube-root-ca.crt'], 'each object once, in order, and not cm-late (written after the first page)');
    assert.deepEqual(out.pages.map((p: any) => [p.names.length, p.remaining, p.continue]), [[5, 8, true], [5, 3, true], [3, null, false]]);
    assert.ok(out.pages.every((p: any) => p.resourceVersion === out.pages[0].resourceVersion), 'every page at the first page\'s revision');
    assert.ok(out.afterPages.includes('cm-late'));
  });

  it('watches from a list revision while the test writes, and resumes from an event\'s revision', async () => {
    const ns = '/api/v1/namespaces/py-watch/configmaps';
    const out = await run('watch', { namespace: 'py-watch', name: 'w' }, async () => {
      await write('POST', ns, { metadata: { name: 'w' }, data: { v: '1' } });
      await write('PATCH', `${ns}/w`, { data: { v: '2' } });
      await write('DELETE', `${ns}/w`);
    });
    // kube-root-ca.crt may be published before or after the list: only the test's object counts.
    const live = out.live.filter((e: string[]) => e[1] === 'w');
    assert.deepEqual(live.map((e: string[]) => [e[0], e[3]]), [['ADDED', '1'], ['MODIFIED', '2'], ['DELETED', '2']]);
    const rvs = live.map((e: string[]) => Number(e[2]));
    assert.ok(rvs[0] > Number(out.listed) && rvs[0] < rvs[1] && rvs[1] < rvs[2], `revisions ${out.listed} < ${rvs.join(' < ')}`);
    assert.deepEqual(out.resumed, out.live.slice(out.live.findIndex((e: string[]) => e[1] === 'w') + 1), 'the events after the ADDED one, again');
  });

  it('answers a watch from a revision past the watch cache with an ERROR 410 event, which the client raises as ApiException 410', async () => {
    const ns = '/api/v1/namespaces/py-expired/configmaps';
    await write('POST', '/api/v1/namespaces', { metadata: { name: 'py-expired' } });
    // A type nobody writes again: storage compacts past it below.
    await write('POST', '/api/v1/namespaces/py-expired/secrets', { metadata: { name: 'quiet' } });
    for (let i = 0; i < 3; i++) await write('POST', ns, { metadata: { name: `page-${i}` } });
    const first = await write('GET', `${ns}?limit=1`);
    assert.ok(first.metadata.continue);
    const rv = first.metadata.resourceVersion;
    // More configmap writes than the watch cache keeps, and a compaction past the page's revision.
    for (let i = 0; i < history + 5; i++) await write('POST', ns, { metadata: { name: `churn-${i}` } });
    const deadline = Date.now() + 10_000;
    while ((await api.storage.compactedRevision()) <= Number(rv)) {
      assert.ok(Date.now() < deadline, `storage did not compact past ${rv}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = await run('expired', { namespace: 'py-expired', resourceVersion: rv, continue: first.metadata.continue });
    // Watch.stream retries once after an ERROR 410 event in a 200 stream (an HTTP 410 would raise
    // at once), from the same revision, then raises.
    assert.deepEqual(out.retried.calls, [rv, rv]);
    assert.deepEqual(out.retried.events, []);
    assert.equal(out.retried.error.status, 410);
    assert.match(out.retried.error.reason, new RegExp(`^Expired: too old resource version: ${rv} \\(\\d+\\)$`));
    // With timeout_seconds it does not retry.
    assert.deepEqual(out.withTimeout.calls, [rv]);
    assert.equal(out.withTimeout.error.status, 410);
    // An expired continue token is an HTTP 410 whose Status says Expired.
    assert.equal(out.continue.status, 410);
    assert.equal(out.continue.body.reason, 'Expired');
    // A quiet type after compaction lists and watches (it used to answer 500).
    assert.deepEqual(out.quiet, { listed: ['quiet'], everywhere: ['quiet'], watched: [['ADDED', 'after-compaction']] });
    // Recovery as the client's documentation says: list again and watch from the list.
    assert.deepEqual(out.recovered.filter((e: string[]) => e[1] === 'after-expiry').map((e: string[]) => e[0]), ['ADDED', 'DELETED']);
  });

  it('sends strategic merge patches for dicts, JSON patches for lists, and merge patches when told', async () => {
    const out = await run('patch', { namespace: 'py-patch' });
    assert.deepEqual(out.strategic, { finalizers: ['example.com/a', 'example.com/b'], labels: { a: '1', b: '2' }, data: { keep: 'k' } });
    assert.deepEqual(out.merge, { finalizers: ['example.com/c'], data: { keep: 'k', new: 'n' } });
    assert.deepEqual(out.json, { finalizers: null, data: { keep: 'K', new: 'n' } });
    assert.equal(out.failedTest.status, 422);
    assert.equal(out.failedTest.body.reason, 'Invalid');
    assert.deepEqual(out.pod, [['a', 'busybox:1'], ['b', 'busybox:2']]);
  });

  it('deletes with options in the body or the query, answering a Status for configmaps and the object for pods', async () => {
    const out = await run('delete', { namespace: 'py-delete' });
    const success = (name: string) => ({ kind: 'Status', status: 'Success', details: { name, kind: 'configmaps', uid: true } });
    assert.equal(out.wrongUid.status, 409);
    assert.match(out.wrongUid.body.message, /Precondition failed: UID in precondition: not-its-uid/);
    assert.deepEqual(out.body, success('body'));
    assert.deepEqual(out.query, success('query'));
    assert.equal(out.collection.kind, 'ConfigMapList');
    assert.equal(out.again.status, 404);
    assert.equal(out.again.body.reason, 'NotFound');
    assert.deepEqual(out.left, ['kube-root-ca.crt']);
    assert.deepEqual(out.graceful, { kind: 'Pod', deletionGracePeriodSeconds: 30, marked: true });
    assert.equal(out.stillThere, 30);
    assert.deepEqual(out.forced, { kind: 'Pod', name: 'bound' });
    assert.deepEqual(out.podsLeft, []);
  });
});
