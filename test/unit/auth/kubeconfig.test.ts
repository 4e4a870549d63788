import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ensureAdminKubeconfig, writeKubeconfig, writeNodeKubeconfig } from '../../../src/apiserver/auth/kubeconfig.ts';
import { ensurePki, type Pki } from '../../../src/pki/pki.ts';

const run = promisify(execFile);
let dir: string;
let pki: Pki;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-kubeconfig-'));
  pki = await ensurePki(join(dir, 'pki'), { hosts: [] });
});
after(() => rm(dir, { recursive: true, force: true }));

test('writeKubeconfig writes a 0600 file that @kubernetes/client-node loads', async () => {
  const file = join(dir, 'token.kubeconfig');
  await writeKubeconfig(file, { server: 'https://127.0.0.1:6443', caPem: pki.caCertPem, token: 'abc', user: 'alice', cluster: 'c1', context: 'ctx' });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  assert.equal(kc.getCurrentContext(), 'ctx');
  assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  assert.equal(Buffer.from(kc.getCurrentCluster()!.caData!, 'base64').toString(), pki.caCertPem);
  assert.equal(kc.getCurrentUser()?.name, 'alice');
  assert.equal(kc.getCurrentUser()?.token, 'abc');
});

test('the admin kubeconfig carries a system:masters client certificate and kubectl reads it', async () => {
  const file = await ensureAdminKubeconfig(dir, pki, 'https://127.0.0.1:7443');
  assert.equal(file, join(dir, 'admin.kubeconfig'));
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const cert = new X509Certificate(Buffer.from(kc.getCurrentUser()!.certData!, 'base64').toString());
  assert.match(cert.subject, /CN=admin/);
  assert.match(cert.subject, /O=system:masters/);
  assert.ok(cert.verify(new X509Certificate(pki.caCertPem).publicKey));

  const { stdout } = await run('kubectl', ['config', 'view', '--kubeconfig', file, '--raw', '-o', 'json']);
  const view = JSON.parse(stdout);
  assert.equal(view['current-context'], 'admin@berth');
  assert.equal(view.clusters[0].cluster.server, 'https://127.0.0.1:7443');
  assert.equal(view.users[0].name, 'admin');
  assert.ok(view.users[0].user['client-key-data']);
  const { stdout: ctx } = await run('kubectl', ['config', 'current-context', '--kubeconfig', file]);
  assert.equal(ctx.trim(), 'admin@berth');
});

test('ensureAdminKubeconfig keeps a valid file and rewrites one for another server', async () => {
  const file = await ensureAdminKubeconfig(dir, pki, 'https://127.0.0.1:8443');
  const before = await readFile(file, 'utf8');
  await ensureAdminKubeconfig(dir, pki, 'https://127.0.0.1:8443');
  assert.equal(await readFile(file, 'utf8'), before);
  await ensureAdminKubeconfig(dir, pki, 'https://127.0.0.1:9443');
  assert.equal(parse(await readFile(file, 'utf8')).clusters[0].cluster.server, 'https://127.0.0.1:9443');
});

test('a node kubeconfig names the node user', async () => {
  const file = join(dir, 'kubelet.kubeconfig');
  await writeNodeKubeconfig(file, pki, 'https://127.0.0.1:6443', 'n1');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const cert = new X509Certificate(Buffer.from(kc.getCurrentUser()!.certData!, 'base64').toString());
  assert.match(cert.subject, /CN=system:node:n1/);
  assert.match(cert.subject, /O=system:nodes/);
});

test('kubectl talks to a server using the PKI with the admin kubeconfig (Go accepts our certificates and keys)', async () => {
  const { createServer } = await import('node:https');
  const { createAuthenticator } = await import('../../../src/apiserver/auth/authn.ts');
  const authn = createAuthenticator({ clientCaPem: pki.caCertPem, serviceAccountPublicKeyPem: pki.saPublicKeyPem });
  const server = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    authn.authenticate(req).then((user) => {
      res.writeHead(user ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(user ?? { message: 'Unauthorized' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const file = await ensureAdminKubeconfig(join(dir, 'live'), pki, `https://127.0.0.1:${port}`);
    const { stdout } = await run('kubectl', ['get', '--raw', '/whoami', '--kubeconfig', file]);
    assert.deepEqual(JSON.parse(stdout), { name: 'admin', groups: ['system:masters', 'system:authenticated'] });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
