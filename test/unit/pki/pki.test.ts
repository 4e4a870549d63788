import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateCovers, ensurePki, issueCertificate } from '../../../src/pki/pki.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-pki-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sanList = (pem: string) => new X509Certificate(pem).subjectAltName!.split(', ');

test('ensurePki creates a CA and a serving certificate covering every host', async () => {
  await withDir(async (dir) => {
    const pki = await ensurePki(join(dir, 'pki'), { hosts: ['node1.example', '192.168.7.9'] });
    const ca = new X509Certificate(pki.caCertPem);
    assert.equal(ca.ca, true);
    const serving = new X509Certificate(pki.servingCertPem);
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
    const sans = sanList(pki.servingCertPem);
    for (const dns of ['node1.example', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']) {
      assert.ok(sans.includes(`DNS:${dns}`), `missing DNS:${dns} in ${sans}`);
    }
    for (const ip of ['192.168.7.9', '127.0.0.1', '10.96.0.1']) assert.ok(sans.includes(`IP Address:${ip}`), `missing IP ${ip}`);
    assert.ok(!sans.includes('DNS:192.168.7.9'), 'IPs must be IP SANs, not DNS names');
    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    // The serving key belongs to the certificate.
    assert.ok(serving.checkPrivateKey((await import('node:crypto')).createPrivateKey(pki.servingKeyPem)));
  });
});

test('the kubelet client certificate and the service-account keys', async () => {
  await withDir(async (dir) => {
    const pki = await ensurePki(dir, { hosts: [] });
    const client = new X509Certificate(pki.kubeletClientCertPem);
    assert.match(client.subject, /CN=kube-apiserver-kubelet-client/);
    assert.match(client.subject, /O=system:masters/);
    assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(client.verify(new X509Certificate(pki.caCertPem).publicKey));
    assert.match(pki.saPrivateKeyPem, /BEGIN PRIVATE KEY/);
    assert.match(pki.saPublicKeyPem, /BEGIN PUBLIC KEY/);
    for (const f of ['ca.key', 'apiserver.key', 'apiserver-kubelet-client.key', 'sa.key']) {
      assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
    }
    for (const f of ['ca.crt', 'apiserver.crt', 'apiserver-kubelet-client.crt', 'sa.pub']) await stat(join(dir, f));
  });
});

test('later starts reuse the PKI; a new host reissues only the serving certificate', async () => {
  await withDir(async (dir) => {
    const first = await ensurePki(dir, { hosts: ['a.example'] });
    const again = await ensurePki(dir, { hosts: ['a.example'] });
    assert.deepEqual(again, first);
    const widened = await ensurePki(dir, { hosts: ['a.example', '10.1.2.3'] });
    assert.equal(widened.caCertPem, first.caCertPem);
    assert.equal(widened.saPrivateKeyPem, first.saPrivateKeyPem);
    assert.equal(widened.kubeletClientCertPem, first.kubeletClientCertPem);
    assert.notEqual(widened.servingCertPem, first.servingCertPem);
    assert.ok(sanList(widened.servingCertPem).includes('IP Address:10.1.2.3'));
    assert.equal(await readFile(join(dir, 'apiserver.crt'), 'utf8'), widened.servingCertPem);
  });
});

test('issueCertificate signs client, server and dual-use certificates with the cluster CA', async () => {
  await withDir(async (dir) => {
    const pki = await ensurePki(dir, { hosts: [] });
    const ca = new X509Certificate(pki.caCertPem);
    const node = await issueCertificate(pki, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client', days: 2 });
    const cert = new X509Certificate(node.certPem);
    assert.match(cert.subject, /CN=system:node:n1/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.verify(ca.publicKey));
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 1.9 && days <= 2.01, `validity ${days}`);

    const both = await issueCertificate(pki, { commonName: 'n1', hosts: ['n1', '10.0.0.5'], usage: 'both' });
    const bc = new X509Certificate(both.certPem);
    assert.deepEqual([...bc.keyUsage!].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.ok(certificateCovers(both.certPem, pki.caCertPem, ['n1', '10.0.0.5']));
    assert.ok(!certificateCovers(both.certPem, pki.caCertPem, ['n2']));
  });
});

test('a certificate from another CA does not count as covering', async () => {
  await withDir(async (dir) => {
    const a = await ensurePki(join(dir, 'a'), { hosts: [] });
    const b = await ensurePki(join(dir, 'b'), { hosts: [] });
    assert.ok(certificateCovers(a.servingCertPem, a.caCertPem, ['localhost']));
    assert.ok(!certificateCovers(a.servingCertPem, b.caCertPem, ['localhost']));
  });
});
