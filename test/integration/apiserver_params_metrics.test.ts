// Query parameters as upstream reads them (issue #15, finding 2), the API server's own /metrics
// and the health endpoints' ?verbose (finding 6), against the in-process API server.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { eventually } from '../support/kubectl.ts';
import { startEtcd } from '../support/etcd.ts';
import { promtoolCheck } from '../support/promtool.ts';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { ensurePki, issueCertificate } from '../../src/pki/pki.ts';

interface Event {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

for (const backend of ['sqlite', 'etcd'] as const) {
describe(`API server query parameters, /metrics and health (${backend})`, () => {
  let api: TestApiServer;
  let etcd: { endpoint: string; stop(): Promise<void> } | undefined;
  let c: TestClient;
  let tokens: string;
  const ns = '/api/v1/namespaces/default';

  before(async () => {
    tokens = join(await mkdtemp(join(tmpdir(), 'berth-tokens-')), 'tokens.csv');
    await writeFile(tokens, 'prom-token,prometheus,uid-prom,"system:monitoring"\nbob-token,bob,uid-bob\n');
    if (backend === 'etcd') etcd = await startEtcd();
    const storage = etcd ? { storage: backend, etcdServers: [etcd.endpoint], etcdPrefix: `/registry-${process.pid}` } : {};
    api = await startTestApiServer({ tokenAuthFile: tokens, ...storage });
    c = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
  });
  after(async () => {
    c?.close();
    await api?.stop();
    await etcd?.stop();
  });

  const watchEvents = async (path: string, until: (events: Event[]) => boolean, what: string): Promise<{ events: Event[]; ended: boolean }> => {
    const events: Event[] = [];
    const stop = new AbortController();
    let ended = false;
    await c.watch(path, (e: Event) => events.push(e), stop.signal, () => (ended = true));
    try {
      await eventually(() => until(events) || ended, 5000, what);
      // A watch stays open; a plain list would have ended by now.
      await new Promise((r) => setTimeout(r, 200));
      return { events: [...events], ended };
    } finally {
      stop.abort();
    }
  };

  it('serves a watch for watch=True, as the Python client sends it', async () => {
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'py-watch' } });
    const { events, ended } = await watchEvents(`${ns}/configmaps?watch=True`, (ev) => ev.some((e) => e.object.metadata?.name === 'py-watch'), 'the ADDED event');
    assert.equal(ended, false, 'the watch stays open');
    assert.ok(events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'py-watch'));
    const list = await c.request('GET', `${ns}/configmaps?watch=False`);
    assert.equal(list.json().kind, 'ConfigMapList');
    const one = await c.request('GET', `${ns}/configmaps/py-watch?watch=true`);
    assert.equal(one.json().kind, 'ConfigMap', 'a named GET stays a get, as upstream');
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'py-other' } });
    const named = await watchEvents(`/api/v1/watch/namespaces/default/configmaps/py-watch`, (ev) => ev.length > 0, 'the named object');
    assert.deepEqual(named.events.map((e) => e.object.metadata?.name), ['py-watch'], 'a /watch/ path with a name watches that object alone');
  });

  it('streams a list with sendInitialEvents=True: ADDED for each object, then the initial-events-end bookmark', async () => {
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'streamed' } });
    const q = 'watch=True&sendInitialEvents=True&allowWatchBookmarks=True&resourceVersionMatch=NotOlderThan';
    const { events } = await watchEvents(`${ns}/configmaps?${q}`, (ev) => ev.some((e) => e.type === 'BOOKMARK'), 'the bookmark');
    const bookmark = events.findIndex((e) => e.type === 'BOOKMARK');
    assert.ok(events.slice(0, bookmark).some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'streamed'));
    assert.ok(events.slice(0, bookmark).every((e) => e.type === 'ADDED'));
    assert.equal(events[bookmark].object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
  });

  it('starts at the most recent state with sendInitialEvents=false', async () => {
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'old-news' } });
    const events: Event[] = [];
    const stop = new AbortController();
    await c.watch(`${ns}/configmaps?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan`, (e: Event) => events.push(e), stop.signal);
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'fresh-news' } });
    await eventually(() => events.length > 0, 5000, 'an event');
    stop.abort();
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED fresh-news']);
  });

  it('refuses bad integers with a 400 naming the parameter, and invalid combinations with upstream\'s 422', async () => {
    const limit = await c.request('GET', `${ns}/configmaps?limit=ten`);
    assert.equal(limit.status, 400);
    assert.match(limit.json().message, /limit: strconv.ParseInt: parsing "ten": invalid syntax/);
    const timeout = await c.request('GET', `${ns}/configmaps?watch=true&timeoutSeconds=1.5`);
    assert.equal(timeout.status, 400);
    assert.match(timeout.json().message, /timeoutSeconds/);
    const grace = await c.request('DELETE', `${ns}/configmaps/none?gracePeriodSeconds=x`);
    assert.equal(grace.status, 400);
    assert.match(grace.json().message, /gracePeriodSeconds/);
    const noMatch = await c.request('GET', `${ns}/configmaps?watch=true&sendInitialEvents=true`);
    assert.equal(noMatch.status, 422);
    assert.equal(noMatch.json().message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    const exactZero = await c.request('GET', `${ns}/configmaps?resourceVersion=0&resourceVersionMatch=Exact`);
    assert.equal(exactZero.status, 422);
    const withContinue = await c.request('GET', `${ns}/configmaps?resourceVersion=5&continue=abc`);
    assert.equal(withContinue.status, 400);
    assert.equal(withContinue.json().message, 'specifying resource version is not allowed when using continue');
  });

  it('lists at exactly the resourceVersion asked with resourceVersionMatch=Exact (and legacy limit)', async () => {
    const created = (await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'exact-a' } })).json();
    const rv = created.metadata.resourceVersion;
    await c.request('POST', `${ns}/configmaps`, { metadata: { name: 'exact-b' } });
    const names = (body: { items: Array<{ metadata: { name: string } }> }) => body.items.map((i) => i.metadata.name);
    const exact = (await c.request('GET', `${ns}/configmaps?resourceVersion=${rv}&resourceVersionMatch=Exact`)).json();
    assert.equal(exact.metadata.resourceVersion, rv);
    assert.ok(names(exact).includes('exact-a'));
    assert.ok(!names(exact).includes('exact-b'));
    const legacy = (await c.request('GET', `${ns}/configmaps?resourceVersion=${rv}&limit=500`)).json();
    assert.ok(!names(legacy).includes('exact-b'));
    const newer = (await c.request('GET', `${ns}/configmaps?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`)).json();
    assert.ok(names(newer).includes('exact-b'));
  });

  it('passes pods/log options on to the kubelet as upstream reads them (follow=True, previous=True)', async () => {
    const pki = await ensurePki(join(api.dataDir, 'pki'), { hosts: ['127.0.0.1'] });
    const cert = await issueCertificate(pki, { commonName: 'fake-node', hosts: ['fake-node', '127.0.0.1'], usage: 'server' });
    const asked: string[] = [];
    const kubelet = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('hello\n');
    });
    await new Promise<void>((resolve) => kubelet.listen(0, '127.0.0.1', resolve));
    try {
      const port = (kubelet.address() as { port: number }).port;
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake-node' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
      assert.equal((await c.request('POST', '/api/v1/nodes', node)).status, 201);
      const pod = { metadata: { name: 'logged' }, spec: { nodeName: 'fake-node', containers: [{ name: 'c', image: 'x' }] } };
      assert.equal((await c.request('POST', `${ns}/pods`, pod)).status, 201);
      const r = await c.request('GET', `${ns}/pods/logged/log?follow=True&previous=True&timestamps=True&tailLines=5&insecureSkipTLSVerifyBackend=False`);
      assert.equal(r.status, 200);
      assert.equal(r.text, 'hello\n');
      assert.deepEqual(asked, ['/containerLogs/default/logged/c?follow=true&previous=true&timestamps=true&tailLines=5']);
      const off = await c.request('GET', `${ns}/pods/logged/log?follow=False&previous=0`);
      assert.equal(off.status, 200);
      assert.equal(asked[1], '/containerLogs/default/logged/c');
      const bad = await c.request('GET', `${ns}/pods/logged/log?tailLines=-1`);
      assert.equal(bad.status, 422);
      assert.equal(bad.json().message, 'PodLogOptions "logged" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
    } finally {
      kubelet.close();
    }
  });

  it('serves /metrics with upstream\'s names to system:monitoring, not to other users', async () => {
    await c.request('GET', `${ns}/configmaps`);
    const stop = new AbortController();
    await c.watch(`${ns}/pods?watch=true`, () => {}, stop.signal);
    const prom = new TestClient({ ...c.creds, cert: undefined, key: undefined, token: 'prom-token' });
    const bob = new TestClient({ ...c.creds, cert: undefined, key: undefined, token: 'bob-token' });
    try {
      const r = await prom.request('GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain; version=0.0.4/);
      const text = r.text;
      assert.match(text, /^apiserver_request_total\{verb="LIST",dry_run="",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver",code="200"\} \d+/m);
      assert.match(text, /^apiserver_request_duration_seconds_bucket\{le="0.005",verb="LIST",.*resource="configmaps"/m);
      assert.match(text, /^apiserver_storage_objects\{resource="namespaces"\} [1-9]/m);
      assert.match(text, /^etcd_request_duration_seconds_count\{operation="create",type="configmaps"\} [1-9]/m);
      assert.match(text, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} 1$/m, 'the scrape itself is in flight');
      assert.match(text, /^apiserver_current_inflight_requests\{request_kind="mutating"\} 0$/m);
      assert.match(text, /^apiserver_registered_watchers\{group="",version="v1",kind="Pod"\} 1$/m);
      assert.match(text, /^apiserver_longrunning_requests\{verb="WATCH",.*resource="pods".*\} 1$/m);
      const check = await promtoolCheck(text);
      assert.ok(check.ok, check.output);
      const denied = await bob.request('GET', '/metrics');
      assert.equal(denied.status, 403);
      assert.match(denied.json().message, /User "bob" cannot get path "\/metrics"/);
      assert.equal((await c.request('GET', '/metrics')).status, 200, 'system:masters may');
    } finally {
      stop.abort();
      prom.close();
      bob.close();
    }
    await eventually(async () => /^apiserver_registered_watchers\{group="",version="v1",kind="Pod"\} 0$/m.test((await c.request('GET', '/metrics')).text), 5000, 'the watcher gone');
  });

  it('lists each health check with ?verbose, honours ?exclude and serves single checks', async () => {
    const plain = await c.request('GET', '/readyz');
    assert.equal(plain.text, 'ok');
    const readyz = await c.request('GET', '/readyz?verbose');
    assert.equal(readyz.status, 200);
    assert.equal(readyz.text, '[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]informer-sync ok\n[+]shutdown ok\nreadyz check passed\n');
    const livez = await c.request('GET', '/livez?verbose=true');
    assert.equal(livez.text, '[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n');
    const healthz = await c.request('GET', '/healthz?verbose');
    assert.match(healthz.text, /^\[\+\]ping ok\n[\s\S]*healthz check passed\n$/);
    const excluded = await c.request('GET', '/readyz?verbose&exclude=etcd&exclude=nope');
    assert.match(excluded.text, /\[\+\]etcd excluded: ok\n/);
    assert.match(excluded.text, /warn: some health checks cannot be excluded: no matches for "nope"\n/);
    assert.equal((await c.request('GET', '/readyz/etcd')).text, 'ok');
    assert.equal((await c.request('GET', '/livez/nope')).status, 404);
  });
});
}
