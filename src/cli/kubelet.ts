// `berth kubelet`: the node agent. Flags as upstream's kubelet (see src/kubelet/options/flags.ts).
import { Command } from 'commander';
import { addKubeletFlags, givenFlags } from '../kubelet/options/flags.ts';
import type { KubeletOptions } from '../kubelet/options/options.ts';
import { resolveKubeletOptions } from '../kubelet/options/resolve.ts';
import { stopOnSignal } from './signals.ts';

export type KubeletRunner = (options: KubeletOptions) => Promise<void>;

/** Runs the kubelet until SIGINT/SIGTERM, then stops its loops and waits for them. */
export const runKubelet: KubeletRunner = async (options) => {
  // Loaded here, not at the top: every command's process loads this file (see main.ts).
  const { startKubelet } = await import('../kubelet/kubelet.ts');
  const controller = new AbortController();
  const kubelet = await startKubelet(options, controller.signal);
  await stopOnSignal({
    name: 'kubelet',
    stop: () => {
      controller.abort();
      return kubelet.done;
    },
  });
};

/** `run` is replaceable so that tests can see the resolved options without starting anything. */
export function kubeletCommand(run: KubeletRunner = runKubelet): Command {
  const cmd = new Command('kubelet')
    .description('Run the Berth kubelet: register this node, report its status and heartbeat, run its pods')
    .allowExcessArguments(false);
  addKubeletFlags(cmd);
  cmd.action(async () => {
    await run(await resolveKubeletOptions(givenFlags(cmd)));
  });
  return cmd;
}
