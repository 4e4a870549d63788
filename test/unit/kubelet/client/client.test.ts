import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../../../src/kubelet/client/client.ts';
import { isStatusError } from '../../../../src/api/errors.ts';
import { blackhole, synSentTo } from '../../../support/blackhole.ts';

let server: Server;
let client: KubeClient;

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/api/v1/namespaces/default/pods/ok') return void res.end(JSON.stringify({ kind: 'Pod', metadata: { name: 'ok' } }));
    if (req.url === '/api/v1/namespaces/default/pods/missing') {
      res.statusCode = 404;
      return void res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'pods "missing" not found' }));
    }
    // The headers of the answer and then nothing more of its body.
    if (req.url === '/api/v1/namespaces/default/pods/half') return void res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"kind":');
    // /hang: never answers.
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, { timeoutMs: 300, attempts: 1 });
});

after(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('an answer within the timeout, and the timer does not outlive it', async () => {
  const t0 = performance.now();
  assert.equal((await client.get('/api/v1/namespaces/default/pods/ok')).metadata?.name, 'ok');
  // A second call on the kept-alive connection is not cut short by the first one's timer.
  await new Promise((r) => setTimeout(r, 350));
  assert.equal((await client.get('/api/v1/namespaces/default/pods/ok')).metadata?.name, 'ok');
  assert.ok(performance.now() - t0 < 1_000);
});

test('an error answer rejects with its Status', async () => {
  await assert.rejects(client.get('/api/v1/namespaces/default/pods/missing'), (e) => isStatusError(e, 'NotFound') && /not found/.test((e as Error).message));
});

test('no answer: a 504 Timeout naming the request and the timeout', async () => {
  const t0 = performance.now();
  await assert.rejects(client.get('/api/v1/namespaces/default/pods/hang'), (e) => isStatusError(e, 'Timeout') && /GET \/api\/v1\/namespaces\/default\/pods\/hang: no answer within 300 ms/.test((e as Error).message));
  const took = performance.now() - t0;
  assert.ok(took >= 290 && took < 2_000, `took ${took} ms`);
});

test('a body that stops half-way fails at the timeout too', async () => {
  await assert.rejects(client.get('/api/v1/namespaces/default/pods/half'));
});

test('the caller\'s signal cancels a call', async () => {
  const ac = new AbortController();
  const p = client.get('/api/v1/namespaces/default/pods/hang', { signal: ac.signal, timeoutMs: 5_000 });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e) => (e as Error).name === 'AbortError');
});

test("the client's lifetime signal ends requests in flight, answered or still dialing, and starts no more", async (t) => {
  const hole = await blackhole();
  t.after(hole.close);
  const life = new AbortController();
  const opts = { timeoutMs: 60_000, attempts: 3, signal: life.signal };
  const answered = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, opts);
  const dialing = new KubeClient({ server: `http://127.0.0.1:${hole.port}` }, opts);
  const hanging = answered.get('/api/v1/namespaces/default/pods/hang');
  const unanswered = dialing.get('/api/v1/namespaces/default/pods/ok');
  for (let i = 0; i < 100 && synSentTo(process.pid, hole.port) === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(synSentTo(process.pid, hole.port), 1, 'the dial is in flight');
  const t0 = performance.now();
  life.abort();
  await Promise.all([assert.rejects(hanging), assert.rejects(unanswered)]);
  assert.ok(performance.now() - t0 < 1_000, 'ended at once, not retried');
  assert.equal(synSentTo(process.pid, hole.port), 0);
  await assert.rejects(answered.get('/api/v1/namespaces/default/pods/ok'), /the client has stopped/);
});
