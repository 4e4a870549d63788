// How a component stops on SIGINT/SIGTERM: an orderly stop, bounded. Upstream's components exit
// promptly (a Go process ends with main, whatever is in flight); a Node process lives on while any
// socket, timer or child holds its event loop, so a stop that leaves one behind would hang for
// good. After the first signal, a second one exits at once, and a process still alive after the
// bound says what is pending and exits non-zero.
import { Socket } from 'node:net';

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForSignal(proc: SignalSource = process): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (sig: NodeJS.Signals) => {
      proc.off('SIGINT', done);
      proc.off('SIGTERM', done);
      resolve(sig);
    };
    proc.on('SIGINT', done);
    proc.on('SIGTERM', done);
  });
}

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (sig: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (sig: NodeJS.Signals) => void): unknown;
}

export interface StopOptions {
  /** The command's name, for the messages. */
  name: string;
  /** Stops what the command started. */
  stop: () => Promise<void>;
  /** What the orderly stop is still waiting for (a step's name), for the message at the bound. */
  pending?: () => string[];
  /** How long after the signal the process may live (default 25 s). */
  boundMs?: number;
  /** Runs (synchronously) before a forced exit: what must not outlive the process (berth up's containerd). */
  onForcedExit?: () => void;
  proc?: SignalSource;
  exit?: (code: number) => void;
  log?: (msg: string) => void;
  /** What holds the event loop (default: this process's sockets, timers and children). */
  resources?: () => string[];
}

export const defaultStopBoundMs = 25_000;

/** Waits for SIGINT/SIGTERM, then stops, bounded as above. Resolves once the orderly stop ends. */
export async function stopOnSignal(o: StopOptions): Promise<void> {
  const proc = o.proc ?? process;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const log = o.log ?? ((m: string) => console.error(m));
  const sig = await waitForSignal(proc);
  const forced = (why: string) => {
    log(`berth ${o.name}: ${why}; exiting`);
    try {
      o.onForcedExit?.();
    } catch (e) {
      log(`berth ${o.name}: ${(e as Error).message}`);
    }
    exit(1);
  };
  const again = (s: NodeJS.Signals) => forced(`${s} while stopping`);
  proc.on('SIGINT', again);
  proc.on('SIGTERM', again);
  const boundMs = o.boundMs ?? defaultStopBoundMs;
  // Unref'd: a process that has let go of everything exits without waiting for it.
  const timer = setTimeout(() => {
    forced(`not stopped ${boundMs / 1000} s after ${sig}; ${pendingMessage(o.pending?.() ?? [], (o.resources ?? activeResources)())}`);
  }, boundMs);
  timer.unref();
  await o.stop();
}

/** The message at the bound: the stop's unfinished steps, then what holds the event loop. */
export function pendingMessage(steps: string[], resources: string[]): string {
  const parts = [steps.length ? `still stopping: ${steps.join(', ')}` : 'stop finished'];
  parts.push(resources.length ? `event loop held by: ${countedList(resources)}` : 'nothing holds the event loop');
  return parts.join('; ');
}

/** ['a', 'b', 'a'] → '2 a, 1 b' (first-seen order). */
export function countedList(items: string[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** One line for what a socket is: its peer, and whether it is still connecting. */
export function describeSocket(s: { remoteAddress?: string; remotePort?: number; connecting: boolean; localPort?: number }): string {
  if (s.remoteAddress) return `socket to ${s.remoteAddress}:${s.remotePort}${s.connecting ? ' (connecting)' : ''}`;
  return s.connecting ? 'socket (connecting)' : s.localPort ? `socket on port ${s.localPort}` : 'socket';
}

/**
 * What keeps this process alive: Node's kinds of active resources, then each socket by its peer
 * (from the undocumented process._getActiveHandles, when there is one).
 */
function activeResources(): string[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  const stdio: unknown[] = [process.stdin, process.stdout, process.stderr];
  const sockets = handles.filter((h): h is Socket => h instanceof Socket && !stdio.includes(h)).map(describeSocket);
  return [...process.getActiveResourcesInfo(), ...sockets];
}
