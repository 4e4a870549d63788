import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator, type Authenticator } from '../../../src/apiserver/auth/authn.ts';
import { ensurePki, issueCertificate, type Pki } from '../../../src/pki/pki.ts';
import { issueServiceAccountToken } from '../../../src/apiserver/auth/tokens.ts';
import { isStatusError } from '../../../src/api/errors.ts';

let dir: string;
let pki: Pki;
let foreign: Pki;
let server: Server;
let port: number;
let authenticator: Authenticator;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-authn-'));
  pki = await ensurePki(join(dir, 'pki'), { hosts: [] });
  foreign = await ensurePki(join(dir, 'foreign'), { hosts: [] });
  const tokenFile = join(dir, 'tokens.csv');
  await writeFile(tokenFile, 'secret-token,alice,1001,"dev,ops"\nplain-token,bob,1002\n');
  authenticator = createAuthenticator({
    clientCaPem: pki.caCertPem,
    tokenAuthFile: tokenFile,
    serviceAccountPublicKeyPem: pki.saPublicKeyPem,
    lookupServiceAccount: (ns, name) => (ns === 'default' && name === 'builder' ? { uid: 'sa-uid-1' } : undefined),
  });
  server = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    authenticator.authenticate(req).then(
      (user) => res.end(JSON.stringify({ user: user ?? null })),
      (e) => {
        res.statusCode = isStatusError(e) ? e.code : 500;
        res.end(JSON.stringify({ message: (e as Error).message }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function call(opts: { cert?: string; key?: string; token?: string }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api',
        ca: pki.caCertPem,
        cert: opts.cert,
        key: opts.key,
        agent: false,
        headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a client certificate signed by the CA authenticates as CN with O groups', async () => {
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
  const r = await call({ cert: certPem, key: keyPem });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.user, { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
});

test('several organizations become several groups', async () => {
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: 'carol', organizations: ['a', 'b'], usage: 'client' });
  const r = await call({ cert: certPem, key: keyPem });
  assert.deepEqual(r.body.user.groups, ['a', 'b', 'system:authenticated']);
});

test('no credentials: undefined, not an error', async () => {
  const r = await call({});
  assert.equal(r.status, 200);
  assert.equal(r.body.user, null);
});

test('a certificate from another CA is refused with 401', async () => {
  const { certPem, keyPem } = await issueCertificate(foreign, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
  const r = await call({ cert: certPem, key: keyPem });
  assert.equal(r.status, 401);
  assert.equal(r.body.message, 'Unauthorized');
});

test('a server-only certificate cannot be used as a client certificate', async () => {
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: 'sneaky', usage: 'server' });
  const r = await call({ cert: certPem, key: keyPem });
  assert.equal(r.status, 401);
});

test('static tokens from --token-auth-file', async () => {
  const r = await call({ token: 'secret-token' });
  assert.deepEqual(r.body.user, { name: 'alice', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] });
  const plain = await call({ token: 'plain-token' });
  assert.deepEqual(plain.body.user, { name: 'bob', uid: '1002', groups: ['system:authenticated'] });
  const bad = await call({ token: 'nope' });
  assert.equal(bad.status, 401);
});

test('service-account tokens authenticate as the service account', async () => {
  const token = await issueServiceAccountToken(pki.saPrivateKeyPem, {
    namespace: 'default',
    serviceAccountName: 'builder',
    serviceAccountUid: 'sa-uid-1',
    audiences: ['https://kubernetes.default.svc.cluster.local'],
    expirationSeconds: 3600,
    boundPod: { name: 'p1', uid: 'pod-uid-1' },
  });
  const r = await call({ token });
  assert.equal(r.status, 200);
  assert.equal(r.body.user.name, 'system:serviceaccount:default:builder');
  assert.equal(r.body.user.uid, 'sa-uid-1');
  assert.deepEqual(r.body.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  assert.deepEqual(r.body.user.extra['authentication.kubernetes.io/pod-name'], ['p1']);
  assert.deepEqual(r.body.user.extra['authentication.kubernetes.io/pod-uid'], ['pod-uid-1']);
  assert.match(r.body.user.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=/);
});

test('tokens of deleted or recreated service accounts are refused', async () => {
  const base = { namespace: 'default', audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 };
  const gone = await issueServiceAccountToken(pki.saPrivateKeyPem, { ...base, serviceAccountName: 'deleted', serviceAccountUid: 'x' });
  assert.equal((await call({ token: gone })).status, 401);
  const recreated = await issueServiceAccountToken(pki.saPrivateKeyPem, { ...base, serviceAccountName: 'builder', serviceAccountUid: 'old-uid' });
  assert.equal((await call({ token: recreated })).status, 401);
  await assert.rejects(authenticator.authenticateToken(recreated), (e) => isStatusError(e, 'Unauthorized') && /does not match claim/.test(e.message));
  await assert.rejects(authenticator.authenticateToken(gone), (e) => isStatusError(e, 'Unauthorized') && /default\/deleted has been deleted/.test(e.message));
});

test('a valid token still authenticates when the client certificate is untrusted', async () => {
  const { certPem, keyPem } = await issueCertificate(foreign, { commonName: 'x', usage: 'client' });
  const r = await call({ cert: certPem, key: keyPem, token: 'secret-token' });
  assert.equal(r.status, 200);
  assert.equal(r.body.user.name, 'alice');
});

test('createAuthenticator reports a malformed token file by line', async () => {
  const file = join(dir, 'bad.csv');
  await writeFile(file, 'ok,u,1\nonly,two\n');
  assert.throws(
    () => createAuthenticator({ clientCaPem: pki.caCertPem, tokenAuthFile: file, serviceAccountPublicKeyPem: pki.saPublicKeyPem }),
    /line 2: must have at least 3 columns \(token, user name, user uid\), found 2/,
  );
});

test('a kept-alive connection is authenticated per request: its certificate expiring ends it', async () => {
  let nowMs = Date.now();
  const clocked = createAuthenticator({ clientCaPem: pki.caCertPem, serviceAccountPublicKeyPem: pki.saPublicKeyPem, now: () => new Date(nowMs) });
  const srv = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    clocked.authenticate(req).then(
      (user) => res.end(JSON.stringify({ user: user?.name, socket: req.socket.remotePort })),
      (e) => {
        res.statusCode = isStatusError(e) ? e.code : 500;
        res.end(JSON.stringify({ socket: req.socket.remotePort }));
      },
    );
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: 'kept', usage: 'client' });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () => new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, path: '/api', ca: pki.caCertPem, cert: certPem, key: keyPem, agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
  try {
    const first = await get();
    const again = await get();
    assert.deepEqual([first.status, first.body.user, again.status, again.body.user], [200, 'kept', 200, 'kept']);
    nowMs = Date.parse(new X509Certificate(certPem).validTo) + 1000;
    const expired = await get();
    assert.equal(expired.status, 401);
    assert.equal(expired.body.socket, first.body.socket, 'the same connection');
  } finally {
    agent.destroy();
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
});
