// The `berth` command line: one entry, a subcommand per component. Each command loads its
// component only when it runs, so a kubelet's process holds no API server (nor the reverse).
import { setFlagsFromString } from 'node:v8';
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

/**
 * Go's default collector target (GOGC=100), which upstream's components run with: the next full
 * collection comes when the heap has grown to twice what the last one left live. V8 grows a heap
 * this small by as little as a third, and Node's sockets and HTTP/2 streams reach the old
 * generation whatever their lifetime, so a kubelet probing 110 pods every second ran a full
 * collection every 5-10 s (each also dropping the optimized code of short-lived closures, which
 * V8 then compiles again). At twice live it runs one every 15-20 s: about 12 MiB more RSS and 9%
 * less CPU in `npm run bench -- probes`. V8 reads the flag whenever it sets a new limit.
 */
function goLikeHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=100');
}

export async function main(argv: string[]): Promise<void> {
  goLikeHeapGrowth();
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
