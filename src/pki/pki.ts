// The cluster's PKI on disk, as kubeadm lays it out under <data-dir>/pki: a CA, the API
// server's serving certificate, the service-account signing keys, and the API server's
// client certificate for kubelets. Created on first start, reused later; the serving
// certificate is reissued when it no longer covers every requested host or is expiring.
// The kubelet uses it too, for its self-signed serving certificate under --cert-dir.
import { webcrypto, X509Certificate as NodeX509, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

export interface Pki {
  dir: string;
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  saPrivateKeyPem: string;
  saPublicKeyPem: string;
  kubeletClientCertPem: string;
  kubeletClientKeyPem: string;
}

export type CertUsage = 'client' | 'server' | 'both';

export interface CertRequest {
  commonName: string;
  organizations?: string[];
  /** DNS names and IP addresses for the subjectAltName. */
  hosts?: string[];
  usage: CertUsage;
  days?: number;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

/** The names every API server certificate carries, as kubeadm's apiserver cert (plus the first service IP). */
export const defaultServingHosts = [
  'localhost',
  '127.0.0.1',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  '10.96.0.1',
];

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;
const day = 24 * 3600 * 1000;
const caDays = 3650;
const leafDays = 365;
/** Reissue a leaf certificate when less than this remains, so a restart renews it. */
const renewBefore = 30 * day;

const crypto = webcrypto as unknown as Crypto;

const files = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  saKey: 'sa.key',
  saPub: 'sa.pub',
  kubeletClientCert: 'apiserver-kubelet-client.crt',
  kubeletClientKey: 'apiserver-kubelet-client.key',
};

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

function subject(commonName: string, organizations: string[] = []): x509.JsonName {
  return [...(organizations.length ? [{ O: organizations }] : []), { CN: [commonName] }];
}

function sanNames(hosts: string[]): x509.JsonGeneralName[] {
  const unique = [...new Set(hosts.filter(Boolean))];
  return unique.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function publicKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('spki', key), 'PUBLIC KEY');
}

async function importSigningKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, ecdsa, false, ['sign']);
}

async function createCa(commonName: string): Promise<IssuedCert> {
  const keys = await newKeyPair();
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: subject(commonName),
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + caDays * day),
      signingAlgorithm: signing,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

function extendedUsages(usage: CertUsage): string[] {
  const server = x509.ExtendedKeyUsage.serverAuth;
  const client = x509.ExtendedKeyUsage.clientAuth;
  return usage === 'server' ? [server] : usage === 'client' ? [client] : [server, client];
}

/** Issues a leaf certificate signed by the cluster CA, with a fresh P-256 key. */
export async function issueCertificate(pki: Pick<Pki, 'caCertPem' | 'caKeyPem'>, req: CertRequest): Promise<IssuedCert> {
  const ca = new x509.X509Certificate(pki.caCertPem);
  const caKey = await importSigningKey(pki.caKeyPem);
  const keys = await newKeyPair();
  const now = new Date();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(extendedUsages(req.usage)),
    await x509.AuthorityKeyIdentifierExtension.create(await ca.publicKey.export(crypto), false, crypto),
  ];
  if (req.hosts?.length) extensions.push(new x509.SubjectAlternativeNameExtension(sanNames(req.hosts)));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: subject(req.commonName, req.organizations),
      issuer: ca.subjectName,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + (req.days ?? leafDays) * day),
      signingAlgorithm: signing,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions,
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Whether a certificate was signed by the CA, is not near expiry, and covers every host. */
export function certificateCovers(certPem: string, caCertPem: string, hosts: string[], now = new Date()): boolean {
  const cert = new NodeX509(certPem);
  const ca = new NodeX509(caCertPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (new Date(cert.validTo).getTime() - now.getTime() < renewBefore) return false;
  return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h, { subject: 'never', wildcards: false }) !== undefined));
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Writes through a temporary file so a crash never leaves half a key behind. */
async function writeSecure(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function loadPair(dir: string, certFile: string, keyFile: string): Promise<IssuedCert | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(join(dir, certFile)), readIfExists(join(dir, keyFile))]);
  return certPem && keyPem ? { certPem, keyPem } : undefined;
}

async function savePair(dir: string, certFile: string, keyFile: string, pair: IssuedCert): Promise<IssuedCert> {
  await writeSecure(join(dir, keyFile), pair.keyPem, 0o600);
  await writeSecure(join(dir, certFile), pair.certPem, 0o644);
  return pair;
}

async function ensureCa(dir: string): Promise<IssuedCert> {
  return (await loadPair(dir, files.caCert, files.caKey)) ?? savePair(dir, files.caCert, files.caKey, await createCa('kubernetes'));
}

async function ensureLeaf(dir: string, certFile: string, keyFile: string, ca: IssuedCert, req: CertRequest): Promise<IssuedCert> {
  const existing = await loadPair(dir, certFile, keyFile);
  if (existing && certificateCovers(existing.certPem, ca.certPem, req.hosts ?? [])) return existing;
  return savePair(dir, certFile, keyFile, await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem }, req));
}

async function ensureServiceAccountKeys(dir: string): Promise<{ privatePem: string; publicPem: string }> {
  const privatePem = await readIfExists(join(dir, files.saKey));
  if (privatePem) {
    const publicPem = (await readIfExists(join(dir, files.saPub))) ?? createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }).toString();
    return { privatePem, publicPem };
  }
  const keys = await newKeyPair();
  const pair = { privatePem: await privateKeyPem(keys.privateKey), publicPem: await publicKeyPem(keys.publicKey) };
  await writeSecure(join(dir, files.saKey), pair.privatePem, 0o600);
  await writeSecure(join(dir, files.saPub), pair.publicPem, 0o644);
  return pair;
}

/** Creates (first start) or loads (later starts) the cluster PKI under dir. */
export async function ensurePki(dir: string, opts: { hosts: string[] }): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await ensureCa(dir);
  const serving = await ensureLeaf(dir, files.servingCert, files.servingKey, ca, {
    commonName: 'kube-apiserver',
    hosts: [...new Set([...opts.hosts, ...defaultServingHosts])],
    usage: 'server',
  });
  const kubeletClient = await ensureLeaf(dir, files.kubeletClientCert, files.kubeletClientKey, ca, {
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const sa = await ensureServiceAccountKeys(dir);
  return {
    dir,
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    saPrivateKeyPem: sa.privatePem,
    saPublicKeyPem: sa.publicPem,
    kubeletClientCertPem: kubeletClient.certPem,
    kubeletClientKeyPem: kubeletClient.keyPem,
  };
}
