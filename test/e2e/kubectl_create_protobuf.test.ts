// The real kubectl (v1.32) `create` generators send application/vnd.kubernetes.protobuf
// bodies; berth apiserver decodes them into the same objects the JSON path would give.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProtobufObject } from '../../src/api/protobuf/index.ts';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { kubectl, kubectlOk } from '../support/kubectl.ts';

/** A self-signed certificate and key, as PEM files in dir (openssl ships with the machine). */
function makeTlsPair(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=web.example', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The request body from kubectl -v=8's hex dump ("Request Body" body=< ... >). */
function requestBody(stderr: string): Buffer {
  const start = stderr.indexOf('"Request Body" body=<');
  assert.ok(start >= 0, `no request body dump in:\n${stderr}`);
  const bytes: number[] = [];
  for (const line of stderr.slice(start).split('\n').slice(1)) {
    const m = /^\t[0-9a-f]{8}  (.{1,49})/.exec(line);
    if (!m) break;
    for (const hex of m[1].match(/[0-9a-f]{2}/g) ?? []) bytes.push(parseInt(hex, 16));
  }
  return Buffer.from(bytes);
}

describe('kubectl create (protobuf bodies) against berth apiserver', () => {
  let api: TestApiServer;
  let kc: string;
  let dir: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const getJson = async (...args: string[]) => JSON.parse(await k('get', ...args, '-o', 'json'));

  before(async () => {
    api = await startTestApiServer();
    kc = api.kubeconfig;
    dir = await mkdtemp(join(tmpdir(), 'berth-pb-'));
  });
  after(async () => {
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is really sent as protobuf (so these tests exercise the protobuf path)', async () => {
    const r = await kubectl(kc, ['create', 'configmap', 'probe', '--from-literal=a=b', '-v=8']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /POST https:\/\/\S+\/api\/v1\/namespaces\/default\/configmaps[\s\S]*?Content-Type: application\/vnd\.kubernetes\.protobuf/);
  });

  // kubectl -v=8 dumps the protobuf body it sends; --dry-run=client -o json prints Go's JSON of
  // the same object. Decoding the first must give the second.
  for (const args of [
    ['configmap', 'eq-cm', '--from-literal=a=b', '--from-literal=c=d'],
    ['secret', 'generic', 'eq-s', '--from-literal=p=q'],
    ['namespace', 'eq-ns'],
    ['serviceaccount', 'eq-sa'],
    ['service', 'clusterip', 'eq-svc', '--tcp=80:8080', '--tcp=443:https'],
    ['service', 'nodeport', 'eq-np', '--tcp=80:8080', '--node-port=30111'],
    ['service', 'externalname', 'eq-ext', '--external-name=db.example.com'],
  ]) {
    it(`decodes kubectl's own protobuf body for create ${args.slice(0, -1).join(' ')} into Go's JSON`, async () => {
      const goJson = JSON.parse(await k('create', ...args, '--dry-run=client', '-o', 'json'));
      const r = await kubectl(kc, ['create', ...args, '--dry-run=server', '-o', 'name', '-v=8']);
      assert.equal(r.code, 0, r.stderr);
      const decoded = decodeProtobufObject(requestBody(r.stderr));
      assert.deepEqual(decoded, goJson);
    });
  }

  it('creates a configmap from literals and a file', async () => {
    await writeFile(join(dir, 'app.conf'), 'x=1\n');
    await k('create', 'configmap', 'c', '--from-literal=a=b', `--from-file=${join(dir, 'app.conf')}`);
    const cm = await getJson('configmap', 'c');
    assert.deepEqual(cm.data, { a: 'b', 'app.conf': 'x=1\n' });
    assert.equal(cm.metadata.namespace, 'default');
    assert.equal(cm.binaryData, undefined);
  });

  it('creates a configmap with binary data', async () => {
    await writeFile(join(dir, 'blob.bin'), Buffer.from([0xff, 0x00, 0xfe]));
    await k('create', 'configmap', 'bin', `--from-file=${join(dir, 'blob.bin')}`);
    const cm = await getJson('configmap', 'bin');
    assert.deepEqual(cm.binaryData, { 'blob.bin': Buffer.from([0xff, 0x00, 0xfe]).toString('base64') });
  });

  it('creates a generic secret', async () => {
    await k('create', 'secret', 'generic', 's', '--from-literal=p=q', '--type=example.com/thing');
    const s = await getJson('secret', 's');
    assert.deepEqual(s.data, { p: b64('q') });
    assert.equal(s.type, 'example.com/thing');
  });

  it('creates a tls secret', async () => {
    const { cert, key } = makeTlsPair(dir);
    await k('create', 'secret', 'tls', 'tls1', `--cert=${cert}`, `--key=${key}`);
    const s = await getJson('secret', 'tls1');
    assert.equal(s.type, 'kubernetes.io/tls');
    assert.match(Buffer.from(s.data['tls.crt'], 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
    assert.match(Buffer.from(s.data['tls.key'], 'base64').toString(), /PRIVATE KEY-----/);
  });

  it('creates a docker-registry secret', async () => {
    await k('create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example', '--docker-username=u', '--docker-password=pw');
    const s = await getJson('secret', 'reg');
    assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
    const cfg = JSON.parse(Buffer.from(s.data['.dockerconfigjson'], 'base64').toString());
    assert.equal(cfg.auths['registry.example'].username, 'u');
    assert.equal(cfg.auths['registry.example'].password, 'pw');
  });

  it('creates a namespace and a service account in it', async () => {
    await k('create', 'namespace', 'n');
    const ns = await getJson('namespace', 'n');
    assert.equal(ns.metadata.name, 'n');
    assert.equal(ns.status.phase, 'Active');
    await k('create', 'serviceaccount', 'sa', '-n', 'n');
    const sa = await getJson('serviceaccount', 'sa', '-n', 'n');
    assert.equal(sa.metadata.namespace, 'n');
  });

  it('creates a clusterip service', async () => {
    await k('create', 'service', 'clusterip', 'web', '--tcp=80:8080');
    const svc = await getJson('service', 'web');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.selector, { app: 'web' });
    assert.equal(svc.spec.ports.length, 1);
    assert.equal(svc.spec.ports[0].port, 80);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.equal(svc.spec.ports[0].protocol, 'TCP');
    assert.equal(svc.spec.ports[0].name, '80-8080');
    assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
  });

  it('creates a headless clusterip service', async () => {
    await k('create', 'service', 'clusterip', 'headless', '--clusterip=None', '--tcp=5432');
    const svc = await getJson('service', 'headless');
    assert.equal(svc.spec.clusterIP, 'None');
  });

  it('creates a nodeport service', async () => {
    await k('create', 'service', 'nodeport', 'np', '--tcp=80:8080');
    const svc = await getJson('service', 'np');
    assert.equal(svc.spec.type, 'NodePort');
    assert.equal(svc.spec.ports[0].port, 80);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767, `nodePort ${svc.spec.ports[0].nodePort}`);
  });

  it('creates a nodeport service with an explicit node port', async () => {
    await k('create', 'service', 'nodeport', 'np2', '--tcp=81:8081', '--node-port=30123');
    const svc = await getJson('service', 'np2');
    assert.equal(svc.spec.ports[0].nodePort, 30123);
  });

  it('creates a loadbalancer service', async () => {
    await k('create', 'service', 'loadbalancer', 'lb', '--tcp=443:8443');
    const svc = await getJson('service', 'lb');
    assert.equal(svc.spec.type, 'LoadBalancer');
    assert.equal(svc.spec.ports[0].targetPort, 8443);
  });

  it('creates an externalname service', async () => {
    await k('create', 'service', 'externalname', 'ext', '--external-name=db.example.com');
    const svc = await getJson('service', 'ext');
    assert.equal(svc.spec.type, 'ExternalName');
    assert.equal(svc.spec.externalName, 'db.example.com');
  });

  it('creates a token for a service account', async () => {
    const token = (await k('create', 'token', 'default', '--duration=15m', '--audience=a1')).trim();
    const parts = token.split('.');
    assert.equal(parts.length, 3, `not a JWT: ${token}`);
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.deepEqual(claims.aud, ['a1']);
    assert.ok(Math.abs(claims.exp - claims.iat - 900) <= 1, `lifetime ${claims.exp - claims.iat}`);
  });

  it('dry-run on the server decodes but stores nothing', async () => {
    const out = await k('create', 'configmap', 'dry', '--from-literal=k=v', '--dry-run=server', '-o', 'json');
    assert.deepEqual(JSON.parse(out).data, { k: 'v' });
    const r = await kubectl(kc, ['get', 'configmap', 'dry']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound|not found/);
  });

  it('reports an existing name as AlreadyExists, as for JSON bodies', async () => {
    const r = await kubectl(kc, ['create', 'configmap', 'c', '--from-literal=a=b']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already exists/);
  });
});
