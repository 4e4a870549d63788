// The probe's own HTTP/1.1 client against node:http / node:https servers on loopback: the request
// it writes, redirects as Go's client follows them, body framing and cap, timeouts and errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHeaderName, prepareGet, probeHeaderLines, runGet } from '../../../../src/kubelet/prober/httpget.ts';
import { HttpGetProbe, httpProbe, probeURL } from '../../../../src/kubelet/prober/http.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server, sockets: Set<Socket>): Promise<number> {
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('request building', () => {
  test('header names are sent in Go\'s canonical form', () => {
    assert.equal(canonicalHeaderName('x-custom-thing'), 'X-Custom-Thing');
    assert.equal(canonicalHeaderName('ACCEPT'), 'Accept');
    assert.equal(canonicalHeaderName('bad header'), 'bad header');
  });

  test('User-Agent and Accept are upstream\'s unless set; empty ones are dropped; Host is taken out', () => {
    assert.deepEqual(probeHeaderLines([]), { lines: 'User-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n', host: undefined, referer: false });
    const h = probeHeaderLines([{ name: 'host', value: 'svc.example' }, { name: 'accept', value: '' }, { name: 'user-agent', value: '' }, { name: 'x-a', value: '1' }, { name: 'X-A', value: '2' }]);
    assert.deepEqual(h, { lines: 'X-A: 1\r\nX-A: 2\r\nConnection: close\r\n', host: 'svc.example', referer: false });
  });

  test('a header value with a line break is refused with Go\'s message, naming the URL', () => {
    const p = prepareGet('http://127.0.0.1:1/', [{ name: 'X-Evil', value: 'a\r\nInjected: 1' }]);
    assert.ok(p instanceof Error);
    assert.equal(p.message, 'Get "http://127.0.0.1:1/": net/http: invalid header field value for "X-Evil"');
    const named = prepareGet('http://127.0.0.1:1/', [{ name: 'Bad Name', value: 'v' }]);
    assert.ok(named instanceof Error);
    assert.equal(named.message, 'Get "http://127.0.0.1:1/": net/http: invalid header field name "Bad Name"');
  });

  test('the request line carries path and query, Host keeps the port as written', () => {
    const p = prepareGet('http://10.1.2.3:80/healthz?full=1', undefined);
    assert.ok(!(p instanceof Error));
    assert.equal(p.request.toString(), 'GET /healthz?full=1 HTTP/1.1\r\nHost: 10.1.2.3:80\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n\r\n');
    const v6 = prepareGet('http://[fd00::1]:8080', undefined);
    assert.ok(!(v6 instanceof Error));
    assert.equal(v6.target.host, 'fd00::1');
    assert.match(v6.request.toString(), /^GET \/ HTTP\/1\.1\r\nHost: \[fd00::1\]:8080\r\n/);
  });
});

describe('httpGet over HTTP', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  const seen: IncomingMessage[] = [];
  const routes = new Map<string, Handler>();
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const route = routes.get((req.url ?? '').split('?')[0]!);
      if (route) route(req, res);
      else { res.writeHead(404); res.end('not here'); }
    });
    port = await listen(server, sockets);
    routes.set('/ok', (_q, s) => { s.writeHead(200, { 'content-length': '2' }); s.end('ok'); });
    routes.set('/chunked', (_q, s) => { s.writeHead(200); s.write('part one, '); setTimeout(() => s.end('part two'), 20); });
    routes.set('/big-chunked', (_q, s) => { s.writeHead(200); for (let i = 0; i < 20; i++) s.write('z'.repeat(1000)); s.end(); });
    routes.set('/rel', (_q, s) => { s.writeHead(302, { location: '/ok' }); s.end(); });
    routes.set('/abs-same', (_q, s) => { s.writeHead(307, { location: `http://127.0.0.1:${port}/ok` }); s.end(); });
    routes.set('/other-host', (_q, s) => { s.writeHead(301, { location: 'http://example.invalid/x' }); s.end('moved away'); });
    routes.set('/multiple', (_q, s) => { s.writeHead(300, { location: '/ok' }); s.end('pick one'); });
    routes.set('/no-location', (_q, s) => { s.writeHead(302); s.end('nowhere'); });
    routes.set('/loop', (_q, s) => { s.writeHead(302, { location: '/loop' }); s.end(); });
    routes.set('/slow-head', () => {});
    routes.set('/slow-body', (_q, s) => { s.writeHead(200, { 'content-length': '100' }); s.write('partial'); });
    routes.set('/cut', (q, s) => { s.writeHead(200, { 'content-length': '100' }); s.write('partial', () => q.socket.destroy()); });
  });
  after(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); });
  const url = (path: string) => probeURL('HTTP', '127.0.0.1', port, path);
  const probe = (path: string, timeoutSeconds = 1, headers?: { name: string; value: string }[]) => httpProbe({ url: url(path), timeoutSeconds, headers });

  test('sends upstream\'s headers, the probe\'s own, a Host override and Connection: close', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/ok?x=1', 1, [{ name: 'x-probe', value: 'yes' }, { name: 'Host', value: 'svc.local' }]), { result: 'success', output: 'ok' });
    const req = seen[0]!;
    assert.equal(req.url, '/ok?x=1');
    assert.equal(req.method, 'GET');
    assert.equal(req.headers.host, 'svc.local');
    assert.equal(req.headers['user-agent'], 'kube-probe/1.32');
    assert.equal(req.headers.accept, '*/*');
    assert.equal(req.headers['x-probe'], 'yes');
    assert.equal(req.headers.connection, 'close');
    assert.equal(req.rawHeaders[req.rawHeaders.indexOf('X-Probe')], 'X-Probe');
  });

  test('a chunked body is read whole; a large one is cut at 10 KiB', async () => {
    assert.deepEqual(await probe('/chunked'), { result: 'success', output: 'part one, part two' });
    const big = await probe('/big-chunked');
    assert.equal(big.result, 'success');
    assert.equal(big.output, 'z'.repeat(10 * 1024));
  });

  test('same-host redirects are followed with a Referer and the custom Host kept on a relative one', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/rel', 1, [{ name: 'Host', value: 'svc.local' }]), { result: 'success', output: 'ok' });
    assert.deepEqual(seen.map((r) => [r.url, r.headers.host, r.headers.referer]), [['/rel', 'svc.local', undefined], ['/ok', 'svc.local', url('/rel')]]);
    seen.length = 0;
    assert.deepEqual(await probe('/abs-same', 1, [{ name: 'Host', value: 'svc.local' }]), { result: 'success', output: 'ok' });
    assert.equal(seen[1]!.headers.host, `127.0.0.1:${port}`, 'an absolute Location drops the custom Host, as Go');
  });

  test('a redirect to another host is the answer: success with a warning and its body', async () => {
    assert.deepEqual(await probe('/other-host'), { result: 'warning', output: 'Probe terminated redirects, Response body: moved away' });
  });

  test('300 and a 3xx without Location are not followed (Go\'s client), so they end as warnings', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/multiple'), { result: 'warning', output: 'Probe terminated redirects, Response body: pick one' });
    assert.equal(seen.length, 1);
    assert.deepEqual(await probe('/no-location'), { result: 'warning', output: 'Probe terminated redirects, Response body: nowhere' });
  });

  test('a redirect loop stops after 10 requests', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/loop'), { result: 'failure', output: `Get "${url('/loop')}": stopped after 10 redirects` });
    assert.equal(seen.length, 10);
  });

  test('no answer by the timeout fails while awaiting headers; a stalled body is an error (unknown), as upstream', async () => {
    const t0 = Date.now();
    assert.deepEqual(await probe('/slow-head'), { result: 'failure', output: `Get "${url('/slow-head')}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    const took = Date.now() - t0;
    assert.ok(took >= 990 && took < 2000, `took ${took} ms`);
    assert.deepEqual(await probe('/slow-body'), { result: 'unknown', output: 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' });
  });

  test('a connection cut mid-body is an error; one refused is a failure with Go\'s dial message', async () => {
    assert.deepEqual(await probe('/cut'), { result: 'unknown', output: 'unexpected EOF' });
    const closed = createNetServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const p = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    assert.deepEqual(await httpProbe({ url: `http://127.0.0.1:${p}/`, timeoutSeconds: 1 }), { result: 'failure', output: `Get "http://127.0.0.1:${p}/": dial tcp 127.0.0.1:${p}: connect: connection refused` });
  });

  test('a prepared probe runs again and again; an abort answers unknown at once', async () => {
    const hp = new HttpGetProbe(url('/ok'), undefined);
    for (let i = 0; i < 5; i++) assert.deepEqual(await hp.run(1), { result: 'success', output: 'ok' });
    const ctl = new AbortController();
    const pending = new HttpGetProbe(url('/slow-head'), undefined).run(5, ctl.signal);
    setTimeout(() => ctl.abort(), 20);
    assert.deepEqual(await pending, { result: 'unknown', output: 'probe cancelled' });
  });

  test('a server that answers garbage or closes without answering fails with Go\'s messages', async () => {
    const raw = createNetServer((c) => {
      c.once('data', (d) => {
        if (d.toString().startsWith('GET /garbage')) c.end('SSH-2.0-OpenSSH\r\n\r\n');
        else c.end();
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const p = (raw.address() as AddressInfo).port;
    try {
      assert.deepEqual(await httpProbe({ url: `http://127.0.0.1:${p}/garbage`, timeoutSeconds: 1 }),
        { result: 'failure', output: `Get "http://127.0.0.1:${p}/garbage": net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0-OpenSSH"` });
      assert.deepEqual(await httpProbe({ url: `http://127.0.0.1:${p}/eof`, timeoutSeconds: 1 }), { result: 'failure', output: `Get "http://127.0.0.1:${p}/eof": EOF` });
    } finally {
      await new Promise((r) => raw.close(r));
    }
  });
});

describe('httpGet over HTTPS', () => {
  let dir = '';
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-probe-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=not-the-pod', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      if (req.url === '/redirect') { res.writeHead(302, { location: '/healthz' }); res.end(); return; }
      res.writeHead(req.url === '/healthz' ? 200 : 503);
      res.end(`secure ${req.url}`);
    });
    port = await listen(server, sockets);
  });
  after(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); rmSync(dir, { recursive: true, force: true }); });

  test('the certificate is not verified (a self-signed one for another name is fine); redirects work over TLS', async () => {
    assert.deepEqual(await httpProbe({ url: probeURL('HTTPS', '127.0.0.1', port, '/healthz'), timeoutSeconds: 2 }), { result: 'success', output: 'secure /healthz' });
    assert.deepEqual(await httpProbe({ url: probeURL('HTTPS', '127.0.0.1', port, '/redirect'), timeoutSeconds: 2 }), { result: 'success', output: 'secure /healthz' });
    assert.deepEqual(await httpProbe({ url: probeURL('HTTPS', '127.0.0.1', port, '/down'), timeoutSeconds: 2 }), { result: 'failure', output: 'HTTP probe failed with statuscode: 503' });
  });

  test('plain HTTP against the TLS port fails rather than hanging', async () => {
    const p = prepareGet(probeURL('HTTP', '127.0.0.1', port, '/healthz'), undefined);
    assert.ok(!(p instanceof Error));
    const r = await runGet(p, 2000);
    assert.equal(r.result, 'failure');
  });
});
