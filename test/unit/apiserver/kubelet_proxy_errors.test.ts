// pods/log through the API server's kubelet proxy to a real kubelet server, in process (issue #15
// item 3): the kubelet's plain-text errors reach the client as Status objects with upstream's codes
// and messages, and a log file that cannot be opened is still answered with its error code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Node, Pod } from '../../../src/api/core/index.ts';
import { isStatusError } from '../../../src/api/errors.ts';
import { createKubeletProxy } from '../../../src/apiserver/kubeletproxy.ts';
import type { RequestInfo } from '../../../src/apiserver/http/requestinfo.ts';
import { startKubeletServer } from '../../../src/kubelet/server/server.ts';
import { ensurePki } from '../../../src/pki/pki.ts';

describe('pods/log errors through the kubelet proxy', () => {
  let dir: string;
  let apiPort: number;
  const stop = new AbortController();
  const api = createServer();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-logerrors-'));
    writeFileSync(join(dir, 'current.log'), '2026-11-27T03:55:07.123456789Z stdout F hello\n');
    const pki = await ensurePki(join(dir, 'pki'), { hosts: ['127.0.0.1', 'n'] });
    const kubelet = await startKubeletServer(
      { address: '127.0.0.1', port: 0, certPem: pki.servingCertPem, keyPem: pki.servingKeyPem },
      {
        auth: { anonymousAuth: true, authenticationTokenWebhook: false, authorizationMode: 'AlwaysAllow', nodeName: 'n' },
        pods: () => [],
        probeMetrics: () => '',
        healthy: () => ({ ok: true, message: 'ok' }),
        logTarget: async (_ns, pod, c, previous) => {
          if (pod === 'gone') throw Object.assign(new Error(`pod "${pod}" does not exist`), { code: 404 });
          if (previous) throw Object.assign(new Error(`previous terminated container "${c}" in pod "${pod}" not found`), { code: 400 });
          return { path: join(dir, pod === 'nofile' ? 'missing.log' : 'current.log'), running: () => false };
        },
      },
      stop.signal,
    );
    const pod = (name: string): Pod => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
      spec: { nodeName: 'n', containers: [{ name: 'c', image: 'busybox' }] },
    } as Pod);
    const node = {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
    } as Node;
    const proxy = createKubeletProxy({
      pods: { get: async (_ns: string, name: string) => pod(name) } as never,
      nodes: { get: async () => node } as never,
      caPem: pki.caCertPem,
      clientCertPem: pki.kubeletClientCertPem,
      clientKeyPem: pki.kubeletClientKeyPem,
    });
    api.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url!, 'http://api');
      const name = url.pathname.split('/')[1];
      const info = { resource: 'pods', subresource: 'log', namespace: 'default', name } as RequestInfo;
      proxy(req, res, info, url.searchParams).catch((e: unknown) => {
        const code = isStatusError(e) ? e.code : 500;
        res.writeHead(code).end(String(e));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiPort = (api.address() as { port: number }).port;
  });
  after(() => {
    stop.abort();
    api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string): Promise<{ status: number; type: string; body: string }> =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port: apiPort, path }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      }).on('error', reject).end();
    });

  it('streams a log as it is', async () => {
    const r = await get('/hello');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello\n');
  });

  it('answers logs -p of a container never restarted with upstream\'s 400 Status', async () => {
    const r = await get('/hello?previous=true');
    assert.equal(r.status, 400);
    assert.equal(r.type, 'application/json');
    assert.deepEqual(JSON.parse(r.body), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'previous terminated container "c" in pod "hello" not found', reason: 'BadRequest', code: 400,
    });
  });

  it('answers the kubelet\'s 404 with upstream\'s NotFound Status', async () => {
    const r = await get('/gone');
    assert.equal(r.status, 404);
    const s = JSON.parse(r.body);
    assert.equal(s.reason, 'NotFound');
    assert.equal(s.message, 'the server could not find the requested resource ( pods/log gone)');
  });

  it('answers a log file that cannot be opened with a 400 Status, not a cut 200', async () => {
    const r = await get('/nofile');
    assert.equal(r.status, 400);
    const s = JSON.parse(r.body);
    assert.equal(s.reason, 'BadRequest');
    assert.match(s.message, /^failed to open log file ".*missing\.log": open .*: no such file or directory$/);
  });
});
