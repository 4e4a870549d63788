// The `berth` command line: one entry, a subcommand per component. Each command loads its
// component only when it runs, so a kubelet's process holds no API server (nor the reverse).
import { Command, CommanderError } from 'commander';
import { apiserverCommand } from './apiserver.ts';
import { nodeKubeconfigCommand } from './nodekubeconfig.ts';
import { upCommand } from './up.ts';
import { kubeletCommand } from './kubelet.ts';

export function program(): Command {
  const p = new Command('berth')
    .description('Berth: a Kubernetes node agent (kubelet) with the smallest control plane that runs it on one machine')
    .version('0.1.0')
    .showHelpAfterError()
    .addCommand(apiserverCommand())
    .addCommand(nodeKubeconfigCommand())
    .addCommand(upCommand())
    .addCommand(kubeletCommand());
  // Every command exits with code 2 on a usage error (unknown flag, bad value), as upstream's binaries.
  const configure = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(configure);
  };
  configure(p);
  return p;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    console.error(`berth: ${(e as Error).message}`);
    process.exit(1);
  }
}
