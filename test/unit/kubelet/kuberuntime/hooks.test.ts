// Lifecycle handlers on their own: an httpGet hook against HTTPS and HTTP servers on loopback
// (upstream's lifecycle client skips certificate checks and follows redirects only on the same
// host), and a sleep hook held to the time it is given.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { runHook, type HookContext } from '../../../../src/kubelet/kuberuntime/hooks.ts';
import { FakeRuntime } from '../../../../src/kubelet/runtime/fake/runtime.ts';

function ctx(extra: Partial<HookContext> = {}): HookContext {
  const clock = new FakeClock();
  return {
    cri: new FakeRuntime({ now: () => clock.now() }), clock, containerId: 'c1', container: { name: 'app' },
    podIPs: ['127.0.0.1'], timeoutSeconds: 0, ...extra,
  };
}

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}

describe('httpGet hooks', () => {
  let dir = '';
  let tlsServer: Server;
  let plain: Server;
  let far: Server;
  let tlsPort = 0;
  let plainPort = 0;
  let farPort = 0;
  const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const farSeen: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-hook-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=not-the-pod', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    tlsServer = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(req.url === '/fail' ? 500 : 200);
      res.end('bye');
    });
    tlsPort = await listen(tlsServer);
    far = createServer((req, res) => { farSeen.push(req.url ?? ''); res.end(); });
    farPort = await listen(far, '127.0.0.2');
    plain = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/here') { res.writeHead(302, { location: '/there' }); res.end(); return; }
      if (req.url === '/away') { res.writeHead(302, { location: `http://127.0.0.2:${farPort}/far` }); res.end(); return; }
      if (req.url?.startsWith('/loop')) { res.writeHead(302, { location: `/loop${Number(req.url.slice(5) || 0) + 1}` }); res.end(); return; }
      res.end('ok');
    });
    plainPort = await listen(plain);
  });
  after(async () => {
    for (const s of [tlsServer, plain, far]) { s.closeAllConnections(); await new Promise((r) => s.close(r)); }
    rmSync(dir, { recursive: true, force: true });
  });

  test("HTTPS: the pod's certificate is not verified (a self-signed one for another name is fine)", async () => {
    seen.length = 0;
    const err = await runHook({
      httpGet: { scheme: 'HTTPS', port: tlsPort, path: 'stop', httpHeaders: [{ name: 'X-Why', value: 'prestop' }] },
    }, ctx());
    assert.equal(err, undefined);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].url, '/stop');
    assert.equal(seen[0].headers['user-agent'], 'kube-lifecycle/1.32');
    assert.equal(seen[0].headers['x-why'], 'prestop');
    // As upstream, the status code does not fail the hook; only a failed request does.
    assert.equal(await runHook({ httpGet: { scheme: 'HTTPS', port: tlsPort, path: '/fail' } }, ctx()), undefined);
  });

  test('redirects are followed on the same host only, and at most 10 times', async () => {
    seen.length = 0;
    assert.equal(await runHook({ httpGet: { port: plainPort, path: '/here' } }, ctx()), undefined);
    assert.deepEqual(seen.map((s) => s.url), ['/here', '/there']);
    // Upstream's RedirectChecker(false): another host's redirect is the answer, not an error.
    assert.equal(await runHook({ httpGet: { port: plainPort, path: '/away' } }, ctx()), undefined);
    assert.deepEqual(farSeen, []);
    const loop = await runHook({ httpGet: { port: plainPort, path: '/loop' } }, ctx());
    assert.match(loop ?? '', /stopped after 10 redirects/);
  });

  test('a hook whose server never answers ends with its signal', async () => {
    const silent = createServer(() => {});
    const port = await listen(silent);
    const ac = new AbortController();
    const r = runHook({ httpGet: { port, path: '/hang' } }, ctx({ signal: ac.signal }));
    await new Promise((res) => setTimeout(res, 50));
    ac.abort();
    assert.match((await r) ?? '', /abort/i);
    silent.closeAllConnections();
    await new Promise((res) => silent.close(res));
  });

  test('a refused connection fails the hook', async () => {
    const refused = await runHook({ httpGet: { port: 1, host: '127.0.0.1' } }, ctx());
    assert.match(refused ?? '', /ECONNREFUSED/);
  });
});

describe('sleep hooks', () => {
  test('a sleep ends when the time the hook is given runs out', async () => {
    const c = ctx({ timeoutSeconds: 5 });
    const clock = c.clock as FakeClock;
    let done: string | undefined | null = null;
    void runHook({ sleep: { seconds: 60 } }, c).then((r) => { done = r; });
    await clock.advance(5_000);
    assert.notEqual(done, null, 'cut off after 5 s, not 60');
  });

  test('with no limit a sleep takes its seconds', async () => {
    const c = ctx();
    const clock = c.clock as FakeClock;
    let done = false;
    void runHook({ sleep: { seconds: 3 } }, c).then(() => { done = true; });
    await clock.advance(2_999);
    assert.equal(done, false);
    await clock.advance(1);
    assert.equal(done, true);
  });
});
