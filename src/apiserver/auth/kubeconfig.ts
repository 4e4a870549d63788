// Kubeconfig files as kubectl and client libraries read them: one cluster, one user, one
// context, with credentials embedded as base64 `*-data` fields. Written with mode 0600.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { issueCertificate, type Pki } from '../../pki/pki.ts';

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  user: string;
  /** Defaults to "berth". */
  cluster?: string;
  /** Defaults to "<user>@<cluster>", as kubeadm names its contexts. */
  context?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The kubeconfig document (a plain object), before it is written. */
export function kubeconfigDocument(spec: KubeconfigSpec): Record<string, unknown> {
  const cluster = spec.cluster ?? 'berth';
  const context = spec.context ?? `${spec.user}@${cluster}`;
  const user: Record<string, string> = {};
  if (spec.certPem) user['client-certificate-data'] = b64(spec.certPem);
  if (spec.keyPem) user['client-key-data'] = b64(spec.keyPem);
  if (spec.token) user.token = spec.token;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caPem) } }],
    users: [{ name: spec.user, user }],
    contexts: [{ name: context, context: { cluster, user: spec.user } }],
    'current-context': context,
    preferences: {},
  };
}

export async function writeKubeconfig(file: string, spec: KubeconfigSpec): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, stringify(kubeconfigDocument(spec)), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/** Whether an existing kubeconfig still points at this server and trusts this CA. */
async function stillValid(file: string, server: string, caPem: string): Promise<boolean> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as { clusters?: { cluster?: Record<string, string> }[] };
    const cluster = doc?.clusters?.[0]?.cluster;
    return cluster?.server === server && cluster['certificate-authority-data'] === b64(caPem);
  } catch {
    return false;
  }
}

/** Writes <dataDir>/admin.kubeconfig (CN admin, O system:masters) unless one for this server and CA exists. */
export async function ensureAdminKubeconfig(dataDir: string, pki: Pick<Pki, 'caCertPem' | 'caKeyPem'>, server: string): Promise<string> {
  const file = join(dataDir, 'admin.kubeconfig');
  await mkdir(dataDir, { recursive: true });
  if (await stillValid(file, server, pki.caCertPem)) return file;
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
  await writeKubeconfig(file, { server, caPem: pki.caCertPem, certPem, keyPem, user: 'admin' });
  return file;
}

/** A kubelet's kubeconfig: client certificate CN system:node:<nodeName>, O system:nodes. */
export async function writeNodeKubeconfig(file: string, pki: Pick<Pki, 'caCertPem' | 'caKeyPem'>, server: string, nodeName: string): Promise<void> {
  const user = `system:node:${nodeName}`;
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: user, organizations: ['system:nodes'], usage: 'client' });
  await writeKubeconfig(file, { server, caPem: pki.caCertPem, certPem, keyPem, user });
}
