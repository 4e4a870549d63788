// `berth node-kubeconfig NAME`: a kubeconfig with a node's identity (system:node:NAME in
// group system:nodes), signed by the cluster CA, so another kubelet can join.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';

export function nodeKubeconfigCommand(): Command {
  return new Command('node-kubeconfig')
    .description("Write a kubeconfig with a node's identity (system:node:NAME), signed by the cluster CA")
    .argument('<name>', 'node name')
    .option('--data-dir <dir>', "the API server's data directory (holds pki/ and admin.kubeconfig)", '.berth')
    .option('--out <file>', 'where to write it (default: <data-dir>/<name>.kubeconfig)')
    .option('--server <url>', "API server URL (default: the admin kubeconfig's)")
    .action(async (name: string, o) => {
      const admin = join(o.dataDir, 'admin.kubeconfig');
      if (!existsSync(join(o.dataDir, 'pki', 'ca.key')) || !existsSync(admin)) {
        throw new Error(`${o.dataDir} holds no cluster: start berth apiserver (or berth up) with --data-dir ${o.dataDir} first`);
      }
      // Loaded here, not at the top: every command's process loads this file (see main.ts).
      const [{ writeNodeKubeconfig }, { ensurePki }] = await Promise.all([import('../apiserver/auth/kubeconfig.ts'), import('../pki/pki.ts')]);
      const server = o.server ?? parseYaml(await readFile(admin, 'utf8'))?.clusters?.[0]?.cluster?.server;
      const out = o.out ?? join(o.dataDir, `${name}.kubeconfig`);
      await writeNodeKubeconfig(out, await ensurePki(join(o.dataDir, 'pki'), { hosts: [] }), server, name);
      console.log(`wrote ${out} for system:node:${name}`);
    });
}
