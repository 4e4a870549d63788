// The real kubectl against the OpenAPI documents: explain reads the schemas, and create
// validates on the server (fieldValidation=Strict) because the v3 operations say it may.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiGroupList, apiResourceList, apiVersions, serverVersion } from '../../src/apiserver/http/discovery.ts';
import { openApiV2, openApiV3Document, openApiV3Index } from '../../src/apiserver/openapi/index.ts';

interface Recorded {
  method: string;
  url: string;
  accept: string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Plain discovery plus the OpenAPI documents; POSTs answer with the body they carried. */
function startServer(recorded: Recorded[]): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const accept = String(req.headers.accept ?? '');
    recorded.push({ method: req.method ?? '', url: req.url ?? '', accept });
    const body = await readBody(req);
    const json = (code: number, value: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method === 'POST') return json(201, body);
    if (path === '/api') return json(200, apiVersions('127.0.0.1'));
    if (path === '/apis') return json(200, apiGroupList());
    if (path === '/version') return json(200, serverVersion);
    if (path === '/openapi/v3') return json(200, openApiV3Index());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiV3Document(path.slice('/openapi/v3/'.length));
      return doc ? json(200, doc.body) : json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    }
    if (path === '/openapi/v2') {
      if (!/application\/json|\*\/\*/.test(accept)) return json(406, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 406 });
      return json(200, openApiV2());
    }
    const gv = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (gv) {
      const list = gv.length === 2 ? apiResourceList('', gv[1]) : apiResourceList(gv[1], gv[2]);
      if (list) return json(200, list);
    }
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function kubectl(server: string, home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--server', server, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: '/dev/null', KUBECACHEDIR: join(home, 'cache') }, timeout: 60_000, maxBuffer: 32 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('kubectl against the OpenAPI documents', () => {
  const recorded: Recorded[] = [];
  let server: Server;
  let base: string;
  let home: string;

  before(async () => {
    server = await startServer(recorded);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = await mkdtemp(join(tmpdir(), 'berth-openapi-'));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(home, { recursive: true, force: true });
  });

  it('explains pod.spec.containers from the v3 schemas', async () => {
    const r = await kubectl(base, home, ['explain', 'pod.spec.containers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Pod/);
    assert.match(r.stdout, /VERSION:\s+v1/);
    assert.match(r.stdout, /FIELD:\s+containers\s+<\[\]Container>/);
    for (const field of ['image', 'name', 'ports', 'env', 'volumeMounts', 'livenessProbe', 'resources']) {
      assert.match(r.stdout, new RegExp(`^\\s+${field}\\s+<`, 'm'), `field ${field} listed`);
    }
    assert.match(r.stdout, /name\s+<string> -required-/);
  });

  it('explains lease.spec in coordination.k8s.io', async () => {
    const r = await kubectl(base, home, ['explain', 'lease.spec']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GROUP:\s+coordination\.k8s\.io/);
    assert.match(r.stdout, /KIND:\s+Lease/);
    for (const field of ['holderIdentity', 'leaseDurationSeconds', 'renewTime', 'acquireTime']) {
      assert.match(r.stdout, new RegExp(`^\\s+${field}\\s+<`, 'm'), `field ${field} listed`);
    }
    assert.match(r.stdout, /renewTime\s+<string>/);
  });

  it('explains pods recursively, with descriptions of our own', async () => {
    const r = await kubectl(base, home, ['explain', 'pods', '--recursive']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /containers\s+<\[\]Container> -required-/);
    assert.match(r.stdout, /containerPort\s+<integer> -required-/);
    assert.match(r.stdout, /limits\s+<map\[string\]Quantity>/);
    assert.match(r.stdout, /port\s+<IntOrString> -required-/);
    assert.match(r.stdout, /creationTimestamp\s+<string>/);
    assert.match(r.stdout, /A set of containers that share a network namespace/);
  });

  it('creates with server-side field validation', async () => {
    recorded.length = 0;
    const file = join(home, 'pod.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\nspec:\n  containers:\n  - name: web\n    image: localhost/busybox\n',
    );
    const r = await kubectl(base, home, ['create', '-f', file, '--dry-run=server', '-v=6']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod\/web created \(server dry run\)/);
    const urls = recorded.map((x) => `${x.method} ${x.url}`);
    assert.ok(urls.some((u) => /^GET \/openapi\/v3(\?|$)/.test(u)), urls.join('\n'));
    assert.ok(urls.some((u) => u.startsWith('GET /openapi/v3/api/v1?hash=')), urls.join('\n'));
    const post = recorded.find((x) => x.method === 'POST');
    assert.ok(post, urls.join('\n'));
    const q = new URL(post.url, base).searchParams;
    assert.equal(new URL(post.url, base).pathname, '/api/v1/namespaces/default/pods');
    assert.equal(q.get('fieldValidation'), 'Strict');
    assert.equal(q.get('dryRun'), 'All');
    assert.ok(!urls.some((u) => u.startsWith('GET /openapi/v2')), 'no fallback to v2');
  });
});
