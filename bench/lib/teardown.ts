// A benchmark stopped by SIGTERM or Ctrl-C removes what it started, as its own `finally` would:
// first the teardowns it registered (the same `cluster.stop()` and containerd `stop()` the tests
// use), then a sweep of this process's children for whatever was started but not yet handed back
// (a containerd still importing images when the signal came): kubelets and servers are stopped,
// a containerd has its pods removed, is stopped, and its shims killed and mounts unmounted.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { killShimsOf, removeAllPods, socketPathFor, unmountUnder } from '../../src/containerd/process.ts';
import { listProcesses, type ProcessEntry } from './proc.ts';

type Step = { name: string; run: () => Promise<void> };
const steps: Step[] = [];
let stopping: Promise<never> | undefined;

/**
 * Registers fn as a teardown and returns it wrapped to run once: call the wrapper from `finally`
 * too, and whichever comes first (the finally or a signal) does the work; the other waits for it.
 */
export function atTeardown(name: string, fn: () => Promise<void> | void): () => Promise<void> {
  let done: Promise<void> | undefined;
  const step: Step = {
    name,
    run: () => (done ??= (async () => {
      try {
        await fn();
      } finally {
        const i = steps.indexOf(step);
        if (i >= 0) steps.splice(i, 1);
      }
    })()),
  };
  steps.push(step);
  return step.run;
}

/** Whether a signal is tearing the benchmark down (its main flow should then just wait). */
export const tearingDown = (): Promise<never> | undefined => stopping;

/** On SIGINT and SIGTERM: every registered teardown (newest first), the sweep, then exit 128+signal. */
export function installSignalTeardown(log: (line: string) => void): void {
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
  for (const sig of Object.keys(codes) as NodeJS.Signals[]) {
    process.on(sig, () => {
      // Ctrl-C reaches this process twice (from the terminal and forwarded by npm): a repeat
      // must not cut the teardown short. SIGKILL abandons it.
      if (stopping) return log(`${sig} again: still removing what this benchmark started (kill -9 ${process.pid} abandons it)`);
      log(`${sig}: removing what this benchmark started`);
      stopping = (async () => {
        for (const step of [...steps].reverse()) {
          const timer = new AbortController();
          const late = sleep(90_000, undefined, { signal: timer.signal }).then(() => log(`${step.name}: still running after 90 s, going on`));
          await Promise.race([step.run(), late]).catch((e) => log(`${step.name}: ${(e as Error).message}`));
          timer.abort();
        }
        await sweepChildren(log);
        process.exit(codes[sig]);
      })();
    });
  }
}

const alive = (pid: number) => listProcesses().some((p) => p.pid === pid && p.state !== 'Z');

async function stopProcess(pid: number, timeoutMs: number): Promise<void> {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

const flagOf = (argv: string[], flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** This process's containerd children (by their --config, in the dir test/support made) and the rest. Pure. */
export function classifyChildren(procs: ProcessEntry[], self: number): { containerds: { pid: number; dir: string }[]; others: ProcessEntry[] } {
  const children = procs.filter((p) => p.ppid === self && p.state !== 'Z');
  const containerds = children
    .filter((p) => /(^|\/)containerd$/.test(p.argv[0] ?? '') && flagOf(p.argv, '--config'))
    .map((p) => ({ pid: p.pid, dir: dirname(flagOf(p.argv, '--config')!) }));
  return { containerds, others: children.filter((p) => !containerds.some((c) => c.pid === p.pid)) };
}

/** Stops what this process started and still runs: kubelets and servers first, then containerd. */
export async function sweepChildren(log: (line: string) => void): Promise<void> {
  const { containerds, others } = classifyChildren(listProcesses(), process.pid);
  await Promise.all(others.map(async (p) => {
    log(`stopping ${p.argv.slice(0, 3).join(' ')} (pid ${p.pid})`);
    await stopProcess(p.pid, 10_000);
    // A kubelet stopped this way leaves its pods' volume mounts (tmpfs), as upstream's does.
    const rootDir = flagOf(p.argv, '--root-dir');
    if (rootDir) unmountUnder(rootDir);
  }));
  for (const c of containerds) {
    const address = socketPathFor(c.dir);
    log(`stopping containerd (pid ${c.pid}, ${c.dir}): pods, shims, mounts`);
    await removeAllPods(address).catch(() => { /* best effort: the shims are killed below anyway */ });
    await stopProcess(c.pid, 10_000);
    killShimsOf(address);
    unmountUnder(c.dir);
    // Its own temp dir (test/support's berth-ctrd-*), nothing mounted in it any more.
    if (basename(c.dir).startsWith('berth-ctrd-') && dirname(c.dir) === tmpdir()) rmSync(c.dir, { recursive: true, force: true });
  }
}
