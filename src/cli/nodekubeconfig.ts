// `berth node-kubeconfig NAME`: a kubeconfig with a node's identity (system:node:NAME in
// group system:nodes), signed by the cluster CA, so another kubelet can join.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ensurePki, issueCertificate } from '../apiserver/auth/pki.ts';
import { writeKubeconfig } from '../apiserver/auth/kubeconfig.ts';

export async function writeNodeKubeconfig(dataDir: string, nodeName: string, out: string, server?: string): Promise<void> {
  const pki = await ensurePki(join(dataDir, 'pki'), { hosts: [] });
  const admin = parseYaml(await readFile(join(dataDir, 'admin.kubeconfig'), 'utf8').catch(() => 'clusters: []'));
  const url = server ?? admin?.clusters?.[0]?.cluster?.server;
  if (!url) throw new Error(`no API server address: pass --server, or start the API server with --data-dir ${dataDir} first`);
  const { certPem, keyPem } = await issueCertificate(pki, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'client' });
  await writeKubeconfig(out, { server: url, caPem: pki.caCertPem, certPem, keyPem, user: `system:node:${nodeName}` });
}

export function nodeKubeconfigCommand(): Command {
  return new Command('node-kubeconfig')
    .description("Write a kubeconfig with a node's identity (system:node:NAME), signed by the cluster CA")
    .argument('<name>', 'node name')
    .option('--data-dir <dir>', "the API server's data directory (holds pki/)", '.berth')
    .option('--out <file>', 'where to write it (default: <data-dir>/<name>.kubeconfig)')
    .option('--server <url>', "API server URL (default: the admin kubeconfig's)")
    .action(async (name: string, o) => {
      const out = o.out ?? join(o.dataDir, `${name}.kubeconfig`);
      await writeNodeKubeconfig(o.dataDir, name, out, o.server);
      console.log(`wrote ${out} for system:node:${name}`);
    });
}
