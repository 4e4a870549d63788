import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { decodeManifestBody, parseManifestUrlHeaders, watchHttpSource } from '../../../../src/kubelet/config/http_source.ts';
import type { PodUpdate } from '../../../../src/kubelet/config/types.ts';

const podObj = (name: string, image = 'busybox:1.35') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }] } });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A manifest server whose answer the test sets: status and body. */
async function manifestServer() {
  const state = { status: 200, body: '', requests: 0, headers: [] as IncomingHttpHeaders[], hang: false };
  const server = createServer((req, res) => {
    state.requests++;
    state.headers.push(req.headers);
    if (state.hang) return; // never answers
    res.writeHead(state.status, { 'Content-Type': 'application/yaml' });
    res.end(state.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pods`;
  return { state, url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function run(url: string, clock: FakeClock, extra: { headers?: Record<string, string[]>; timeoutMs?: number } = {}) {
  const updates: PodUpdate[] = [];
  const errors: string[] = [];
  const ac = new AbortController();
  const done = watchHttpSource({ url, nodeName: 'n1', signal: ac.signal, clock, onUpdate: (u) => updates.push(u), onError: (s, m) => errors.push(`${s}: ${m}`), ...extra });
  const names = () => updates.at(-1)?.pods.map((p) => p.metadata.name) ?? [];
  return { updates, errors, names, stop: async () => { ac.abort(); await done; } };
}

test('http source: a Pod, then a PodList, then a v1 List; custom headers arrive; a 500 keeps the set', async (t) => {
  const srv = await manifestServer();
  t.after(srv.close);
  srv.state.body = JSON.stringify(podObj('single'));
  const clock = new FakeClock();
  const headers = parseManifestUrlHeaders(['Authorization:Bearer abc:def', 'X-Node: n1, X-Node: again']);
  const h = run(srv.url, clock, { headers });
  t.after(h.stop);

  await until(() => h.updates.length === 1, 'the single pod');
  assert.deepEqual(h.names(), ['single-n1']);
  assert.equal(h.updates[0].source, 'http');
  assert.equal(h.updates[0].pods[0].metadata.annotations!['kubernetes.io/config.source'], 'http');
  assert.equal(srv.state.headers[0].authorization, 'Bearer abc:def');
  assert.equal(srv.state.headers[0]['x-node'], 'n1, again');

  // The same body again: fetched, but no update.
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => srv.state.requests === 2 && clock.waiting > 0, 'the second fetch');
  assert.equal(h.updates.length, 1);

  srv.state.body = `apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p1}\n  spec: {containers: [{name: c, image: 'x:1'}]}\n- metadata: {name: p2}\n  spec: {containers: [{name: c, image: 'x:1'}]}\n`;
  await clock.advance(20_000);
  await until(() => h.updates.length === 2, 'the pod list');
  assert.deepEqual(h.names(), ['p1-n1', 'p2-n1']);

  srv.state.body = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [podObj('l1'), podObj('l2')] });
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => h.updates.length === 3, 'the v1 List');
  assert.deepEqual(h.names(), ['l1-n1', 'l2-n1']);

  // A 500 and then a bad body: errors reported, no update, the last good set stays.
  srv.state.status = 500;
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => h.errors.length === 1, 'the 500 error');
  assert.match(h.errors[0], /^http: http:\/\/127\.0\.0\.1:\d+\/pods: 500 Internal Server Error$/);
  srv.state.status = 200;
  srv.state.body = '{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "x"}, "spec": {"containers": [{"name": "c"}]}}';
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => h.errors.length === 2, 'the invalid pod error');
  assert.match(h.errors[1], /\/pods: invalid pod: spec\.containers\[0\]\.image: Required value/);
  assert.equal(h.updates.length, 3);
});

test('http source: a list item that fails is rejected alone; a request that hangs times out', async (t) => {
  const srv = await manifestServer();
  t.after(srv.close);
  const bad = { ...podObj('bad'), spec: { containers: [{ name: 'c', image: 'x:1', envFrom: [{ secretRef: { name: 's' } }] }] } };
  srv.state.body = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [podObj('ok'), bad] });
  const clock = new FakeClock();
  const h = run(srv.url, clock, { timeoutMs: 200 });
  t.after(h.stop);
  await until(() => h.updates.length === 1 && h.errors.length === 1, 'the list');
  assert.deepEqual(h.names(), ['ok-n1']);
  assert.match(h.errors[0], /\/pods: items\[1\]: static pods may not reference API objects: spec\.containers\[0\]\.envFrom\[0\]\.secretRef/);

  srv.state.hang = true;
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => h.errors.length === 2, 'the timeout');
  assert.match(h.errors[1], /no answer within 200 ms/);
  assert.equal(h.updates.length, 1);
});

test('http source: a connection refused is reported and emits nothing', async (t) => {
  const srv = await manifestServer();
  await srv.close();
  const h = run(srv.url, new FakeClock());
  t.after(h.stop);
  await until(() => h.errors.length === 1, 'the error');
  assert.match(h.errors[0], /ECONNREFUSED/);
  assert.equal(h.updates.length, 0);
});

test('manifest headers and bodies: parsing rules', () => {
  assert.deepEqual(parseManifestUrlHeaders(['a:hello', 'b:again,c:world', 'b: beautiful ']), { a: ['hello'], b: ['again', 'beautiful'], c: ['world'] });
  assert.throws(() => parseManifestUrlHeaders(['novalue']), /malformed pair/);
  const r = decodeManifestBody('u', JSON.stringify({ apiVersion: 'v1', kind: 'Deployment' }), 'n1');
  assert.match(r.fatal!, /^u: couldn't parse as pod or pod list: expected a Pod, PodList or List, got kind "Deployment"/);
  const list = decodeManifestBody('u', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }] }), 'n1');
  assert.deepEqual(list.pods, []);
  assert.match(list.errors[0], /^u: items\[0\]: expected kind "Pod", got "Service"/);
});
