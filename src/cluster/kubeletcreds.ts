// A kubelet's credentials from the cluster CA: its kubeconfig (system:node:<name>) and its
// serving certificate with the node's names and addresses, which the API server verifies.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNodeKubeconfig } from '../apiserver/auth/kubeconfig.ts';
import { ensurePki, issueCertificate } from '../pki/pki.ts';

export interface KubeletCredentials {
  kubeconfig: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

export async function writeKubeletCredentials(dataDir: string, server: string, nodeName: string, hosts: string[], out: { kubeconfig: string; certDir: string }): Promise<KubeletCredentials> {
  const pki = await ensurePki(join(dataDir, 'pki'), { hosts: [] });
  const outDir = out.certDir;
  await mkdir(outDir, { recursive: true });
  const kubeconfig = out.kubeconfig;
  await writeNodeKubeconfig(kubeconfig, pki, server, nodeName);
  const serving = await issueCertificate(pki, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], hosts: [nodeName, ...hosts], usage: 'server' });
  const certFile = join(outDir, 'kubelet.crt');
  const keyFile = join(outDir, 'kubelet.key');
  await writeFile(certFile, serving.certPem);
  await writeFile(keyFile, serving.keyPem, { mode: 0o600 });
  return { kubeconfig, certFile, keyFile, caFile: join(dataDir, 'pki', 'ca.crt') };
}
