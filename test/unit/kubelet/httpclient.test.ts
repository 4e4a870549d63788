// The kubelet's plain GET (--manifest-url): an abort ends the dial at once, the dial has its
// own timeout, redirects are followed as Go's client does, large bodies are refused.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { httpGet } from '../../../src/kubelet/httpclient.ts';
import { hookGet } from '../../../src/kubelet/kuberuntime/hook_http.ts';
import { blackhole, synSentTo } from '../../support/blackhole.ts';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('an abort ends a dial that gets no answer at once: no socket left in SYN-SENT', async (t) => {
  const hole = await blackhole();
  t.after(hole.close);
  const ac = new AbortController();
  const got = httpGet(`http://127.0.0.1:${hole.port}/`, { signal: ac.signal });
  for (let i = 0; i < 100 && synSentTo(process.pid, hole.port) === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(synSentTo(process.pid, hole.port), 1, 'the dial is in flight');
  ac.abort();
  await assert.rejects(got, { name: 'AbortError' });
  assert.equal(synSentTo(process.pid, hole.port), 0);
});

test("a lifecycle hook's dial that gets no answer ends with its signal too", async (t) => {
  const hole = await blackhole();
  t.after(hole.close);
  const ac = new AbortController();
  const got = hookGet(`http://127.0.0.1:${hole.port}/hook`, {}, ac.signal);
  for (let i = 0; i < 100 && synSentTo(process.pid, hole.port) === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(synSentTo(process.pid, hole.port), 1, 'the dial is in flight');
  ac.abort();
  await assert.rejects(got, /aborted/);
  assert.equal(synSentTo(process.pid, hole.port), 0);
});

test('a dial that gets no answer times out on its own', async (t) => {
  const hole = await blackhole();
  t.after(hole.close);
  const started = Date.now();
  await assert.rejects(httpGet(`http://127.0.0.1:${hole.port}/`, { connectTimeoutMs: 200 }), /i\/o timeout \(no connection within 200 ms\)/);
  assert.ok(Date.now() - started < 2_000);
  assert.equal(synSentTo(process.pid, hole.port), 0);
});

test('an abort closes an answered connection whose answer never comes', async (t) => {
  let closed!: () => void;
  const serverSawClose = new Promise<void>((r) => (closed = r));
  const { url, server } = await serve((req) => req.socket.on('close', closed));
  t.after(() => { server.closeAllConnections(); server.close(); });
  const ac = new AbortController();
  const got = httpGet(`${url}/hang`, { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await assert.rejects(got, { name: 'AbortError' });
  await serverSawClose;
});

test('headers sent, redirects followed (at most 10), the body capped', async (t) => {
  const { url, server } = await serve((req, res) => {
    if (req.url === '/loop') return res.writeHead(302, { Location: '/loop' }).end();
    if (req.url === '/start') return res.writeHead(301, { Location: '/end' }).end();
    if (req.url === '/big') return res.end('x'.repeat(2048));
    res.setHeader('X-Seen', String(req.headers['x-token']));
    res.end(`at ${req.url}`);
  });
  t.after(() => server.close());
  const r = await httpGet(`${url}/start`, { headers: [['X-Token', 'abc']] });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'at /end');
  assert.equal(r.headers['x-seen'], 'abc');
  await assert.rejects(httpGet(`${url}/loop`), /stopped after 10 redirects/);
  await assert.rejects(httpGet(`${url}/big`, { maxBodyBytes: 1024 }), /larger than 1024 bytes/);
});

test("credentials are dropped on a redirect to another host, as Go's client does, and kept on the same host", async (t) => {
  const seen: { path: string; host: string; auth?: string; cookie?: string; token?: string }[] = [];
  const { url, server } = await serve((req, res) => {
    const port = (server.address() as { port: number }).port;
    seen.push({ path: req.url ?? '', host: req.headers.host ?? '', auth: req.headers.authorization, cookie: req.headers.cookie, token: req.headers['x-token'] as string | undefined });
    if (req.url === '/same') return res.writeHead(302, { Location: '/other' }).end();
    if (req.url === '/other') return res.writeHead(302, { Location: `http://localhost:${port}/there` }).end();
    if (req.url === '/there') return res.writeHead(302, { Location: `http://127.0.0.1:${port}/back` }).end();
    res.end();
  });
  t.after(() => server.close());
  await httpGet(`${url}/same`, { headers: [['Authorization', 'Bearer x'], ['Cookie', 'a=b'], ['X-Token', 'abc']] });
  assert.deepEqual(seen.map((s) => [s.path, s.auth, s.cookie, s.token]), [
    ['/same', 'Bearer x', 'a=b', 'abc'],
    ['/other', 'Bearer x', 'a=b', 'abc'], // the same host: kept
    ['/there', undefined, undefined, 'abc'], // localhost is not 127.0.0.1: dropped, the rest kept
    ['/back', undefined, undefined, 'abc'], // and not restored on the way back
  ]);
  assert.match(seen[2].host, /^localhost:/);
});
