// The exec handler: ExecSync in the container with the probe's timeout; exit 0 is healthy.
import { CriError } from '../runtime/cri/client.ts';
import type { ExecSyncResponse } from '../runtime/cri/types.ts';
import { maxProbeOutputBytes, type HandlerResult } from './types.ts';

/** What the exec handler needs of the runtime (CriClient and the fake runtime both fit). */
export interface ExecRunner {
  execSync(containerId: string, cmd: string[], timeoutSeconds: number, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecSyncResponse>;
}

const grpcDeadlineExceeded = 4;
/** Slack over the probe timeout for the runtime to kill the command and answer. */
const runtimeSlackMs = 10_000;

export async function execProbe(runner: ExecRunner, containerId: string, cmd: string[], timeoutSeconds: number, signal?: AbortSignal): Promise<HandlerResult> {
  const timedOut = `command ${JSON.stringify(cmd.join(' '))} timed out`;
  // Our own deadline as well as the runtime's: a runtime that never answers must not hang the worker.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => { ctl.abort(); resolve('timeout'); }, timeoutSeconds * 1000 + runtimeSlackMs);
  });
  try {
    const res = await Promise.race([runner.execSync(containerId, cmd, timeoutSeconds, { timeoutMs: runtimeSlackMs, signal: ctl.signal }), deadline]);
    if (res === 'timeout') return { result: 'failure', output: timedOut };
    const output = Buffer.concat([res.stdout ?? Buffer.alloc(0), res.stderr ?? Buffer.alloc(0)]).subarray(0, maxProbeOutputBytes).toString('utf8');
    return { result: res.exitCode === 0 ? 'success' : 'failure', output };
  } catch (err) {
    if (isDeadline(err)) return { result: 'failure', output: timedOut };
    return { result: 'unknown', output: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function isDeadline(err: unknown): boolean {
  if (err instanceof CriError && err.code === grpcDeadlineExceeded) return true;
  // containerd reports its own exec timeout as "timeout 1s exceeded: context deadline exceeded".
  const msg = err instanceof Error ? err.message : '';
  return /timeout .* exceeded/.test(msg) || msg.includes('context deadline exceeded');
}
