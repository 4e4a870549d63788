// The four handlers against real servers on loopback, started by the test itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { httpProbe, probeURL } from '../../../../src/kubelet/prober/http.ts';
import { tcpProbe } from '../../../../src/kubelet/prober/tcp.ts';
import { grpcProbe, loadHealthService } from '../../../../src/kubelet/prober/grpc.ts';
import { execProbe } from '../../../../src/kubelet/prober/exec.ts';
import { CriError } from '../../../../src/kubelet/runtime/cri/client.ts';

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('httpGet handler', () => {
  let server: Server;
  let port: number;
  let lastHeaders: IncomingHttpHeaders = {};
  const sockets = new Set<Socket>();
  before(async () => {
    server = createServer((req, res) => {
      lastHeaders = req.headers;
      const m = /^\/status\/(\d+)$/.exec(req.url ?? '');
      if (m) { res.writeHead(Number(m[1])); res.end(`body of ${m[1]}`); return; }
      if (req.url === '/same') { res.writeHead(302, { location: '/status/200' }); res.end('moved'); return; }
      if (req.url === '/other') { res.writeHead(302, { location: 'http://localhost:1/elsewhere' }); res.end('gone elsewhere'); return; }
      if (req.url === '/loop') { res.writeHead(301, { location: '/loop' }); res.end(); return; }
      if (req.url === '/big') { res.writeHead(200); res.end('x'.repeat(100_000)); return; }
      if (req.url === '/hang') return; // never answers
      res.writeHead(404); res.end();
    });
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); });
  const url = (path: string) => probeURL('HTTP', '127.0.0.1', port, path);

  test('200 and 399 are healthy (399 with a warning, as a redirect not followed); 400 and 500 are not', async () => {
    assert.deepEqual(await httpProbe({ url: url('/status/200'), timeoutSeconds: 1 }), { result: 'success', output: 'body of 200' });
    assert.equal((await httpProbe({ url: url('/status/399'), timeoutSeconds: 1 })).result, 'warning');
    assert.deepEqual(await httpProbe({ url: url('/status/400'), timeoutSeconds: 1 }), { result: 'failure', output: 'HTTP probe failed with statuscode: 400' });
    assert.deepEqual(await httpProbe({ url: url('/status/500'), timeoutSeconds: 1 }), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });

  test('sends kube-probe/1.32 and Accept */* unless the probe sets them, plus its own headers', async () => {
    await httpProbe({ url: url('/status/200'), timeoutSeconds: 1, headers: [{ name: 'X-Custom', value: 'v' }] });
    assert.equal(lastHeaders['user-agent'], 'kube-probe/1.32');
    assert.equal(lastHeaders['accept'], '*/*');
    assert.equal(lastHeaders['x-custom'], 'v');
    await httpProbe({ url: url('/status/200'), timeoutSeconds: 1, headers: [{ name: 'User-Agent', value: 'mine' }] });
    assert.equal(lastHeaders['user-agent'], 'mine');
  });

  test('a redirect to the same host is followed; to another host it ends the probe as success with a warning', async () => {
    assert.deepEqual(await httpProbe({ url: url('/same'), timeoutSeconds: 1 }), { result: 'success', output: 'body of 200' });
    assert.deepEqual(await httpProbe({ url: url('/other'), timeoutSeconds: 1 }), { result: 'warning', output: 'Probe terminated redirects, Response body: gone elsewhere' });
    assert.deepEqual(await httpProbe({ url: url('/loop'), timeoutSeconds: 1 }), { result: 'failure', output: `Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects` });
  });

  test('the body read is capped at 10 KiB', async () => {
    const r = await httpProbe({ url: url('/big'), timeoutSeconds: 1 });
    assert.equal(r.result, 'success');
    assert.equal(r.output.length, 10 * 1024);
  });

  test('a server that never answers fails at the timeout', async () => {
    const t0 = Date.now();
    const r = await httpProbe({ url: url('/hang'), timeoutSeconds: 1 });
    assert.deepEqual(r, { result: 'failure', output: `Get "http://127.0.0.1:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    assert.ok(Date.now() - t0 >= 950 && Date.now() - t0 < 3000);
  });

  test('a refused connection fails with Go\'s dial message', async () => {
    const p = await closedPort();
    assert.deepEqual(await httpProbe({ url: probeURL('HTTP', '127.0.0.1', p, '/healthz'), timeoutSeconds: 1 }), {
      result: 'failure', output: `Get "http://127.0.0.1:${p}/healthz": dial tcp 127.0.0.1:${p}: connect: connection refused`,
    });
  });
});

describe('tcpSocket handler', () => {
  test('an open port is healthy, a refused one is not', async () => {
    const s = createNetServer((c) => c.destroy());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    assert.deepEqual(await tcpProbe('127.0.0.1', port, 1), { result: 'success', output: '' });
    await new Promise((r) => s.close(r));
    assert.deepEqual(await tcpProbe('127.0.0.1', port, 1), { result: 'failure', output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });
});

describe('grpc handler', () => {
  let server: grpc.Server;
  let port: number;
  const statuses = new Map<string, string>([['', 'SERVING'], ['db', 'NOT_SERVING']]);
  before(async () => {
    server = new grpc.Server();
    server.addService(loadHealthService().service, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const st = statuses.get(call.request.service);
        if (!st) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else cb(null, { status: st });
      },
      Watch: () => {},
    });
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  });
  after(() => server.forceShutdown());

  test('SERVING is healthy, NOT_SERVING is not, an unknown service fails with the rpc error', async () => {
    assert.deepEqual(await grpcProbe('127.0.0.1', port, '', 1), { result: 'success', output: 'service is serving' });
    assert.deepEqual(await grpcProbe('127.0.0.1', port, 'db', 1), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await grpcProbe('127.0.0.1', port, 'nope', 1), { result: 'failure', output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
  });

  test('a refused port fails once the timeout is up', async () => {
    const p = await closedPort();
    assert.deepEqual(await grpcProbe('127.0.0.1', p, '', 1), { result: 'failure', output: `timeout: failed to connect service "127.0.0.1:${p}" within 1s: context deadline exceeded` });
  });
});

describe('exec handler', () => {
  const runner = (answer: () => Promise<{ exitCode: number; stdout?: string; stderr?: string }>) => ({
    execSync: async () => { const a = await answer(); return { exitCode: a.exitCode, stdout: Buffer.from(a.stdout ?? ''), stderr: Buffer.from(a.stderr ?? '') }; },
  });
  test('exit 0 is healthy; another exit code fails with the output', async () => {
    assert.deepEqual(await execProbe(runner(async () => ({ exitCode: 0, stdout: 'fine' })), 'c1', ['true'], 1), { result: 'success', output: 'fine' });
    assert.deepEqual(await execProbe(runner(async () => ({ exitCode: 1, stdout: 'out ', stderr: 'err' })), 'c1', ['false'], 1), { result: 'failure', output: 'out err' });
  });
  test('a runtime deadline is a timeout failure; other runtime errors are unknown', async () => {
    assert.deepEqual(await execProbe(runner(() => Promise.reject(new CriError('ExecSync', grpc.status.DEADLINE_EXCEEDED, 'deadline'))), 'c1', ['cat', '/tmp/health'], 1),
      { result: 'failure', output: 'command "cat /tmp/health" timed out' });
    assert.equal((await execProbe(runner(() => Promise.reject(new CriError('ExecSync', grpc.status.NOT_FOUND, 'no such container'))), 'c1', ['x'], 1)).result, 'unknown');
  });
});
