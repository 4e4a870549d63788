// The kubelet's view of its container runtime, as upstream's runtimeState: a loop asks the runtime
// for Status every 5 s (with backoff while it is away); the node's Ready condition and /healthz
// read the errors from here. The version (for nodeInfo.containerRuntimeVersion) is fetched once
// the runtime answers.
import { Backoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log.ts';
import type { CriClient, StatusResponse } from './runtime/cri/client.ts';

export type RuntimeProbe = Pick<CriClient, 'version' | 'status'>;

export interface RuntimeSnapshot {
  /** When the runtime last answered Status with RuntimeReady=true; undefined before it ever did. */
  lastSync?: Date;
  runtimeError?: string;
  networkError?: string;
  version?: string;
  /** Why the last Status call failed, while it is failing. */
  lastFailure?: string;
}

/** Upstream waits this long after the last good sync before calling the runtime down. */
export const maxWaitForRuntimeMs = 30_000;

/** The errors that keep the node NotReady (runtime first, then network), with upstream's messages. */
export function notReadyErrors(s: RuntimeSnapshot, now: Date, maxWaitMs = maxWaitForRuntimeMs): string[] {
  const errs: string[] = [];
  // Upstream cannot start without its runtime; Berth keeps trying, so a runtime that has never
  // answered is "down" once a check has failed.
  if (!s.lastSync) errs.push(s.lastFailure ? 'container runtime is down' : 'container runtime status check may not have completed yet');
  else if (now.getTime() - s.lastSync.getTime() >= maxWaitMs) errs.push('container runtime is down');
  if (s.runtimeError) errs.push(s.runtimeError);
  if (s.networkError) errs.push(s.networkError);
  return errs;
}

/** The RuntimeReady/NetworkReady conditions of a Status answer as upstream's error strings. */
export function conditionErrors(res: StatusResponse): { runtimeError?: string; networkError?: string } {
  const conds = res.status?.conditions ?? [];
  const text = (c: { type: string; status: boolean; reason: string; message: string }) =>
    `${c.type}=${c.status} reason:${c.reason} message:${c.message}`;
  const rt = conds.find((c) => c.type === 'RuntimeReady');
  const net = conds.find((c) => c.type === 'NetworkReady');
  return {
    runtimeError: !rt ? 'container runtime not ready: RuntimeReady condition is missing' : rt.status ? undefined : `container runtime not ready: ${text(rt)}`,
    networkError: !net ? 'container runtime network not ready: NetworkReady condition is missing' : net.status ? undefined : `container runtime network not ready: ${text(net)}`,
  };
}

export class RuntimeState {
  private snapshot: RuntimeSnapshot = {};

  constructor(
    private readonly probe: RuntimeProbe,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  current(): RuntimeSnapshot {
    return { ...this.snapshot };
  }

  errors(now = this.clock.now()): string[] {
    return notReadyErrors(this.snapshot, now);
  }

  /** One check; true when the runtime answered. */
  async check(signal?: AbortSignal): Promise<boolean> {
    let res: StatusResponse;
    try {
      res = await this.probe.status(false, { signal, timeoutMs: Math.min(this.intervalMs * 2, 30_000) });
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.snapshot.lastFailure) this.log.error('Container runtime sanity check failed', e);
      this.snapshot.lastFailure = msg;
      return false;
    }
    this.snapshot.lastFailure = undefined;
    const { runtimeError, networkError } = conditionErrors(res);
    if (networkError && networkError !== this.snapshot.networkError) this.log.error('Container runtime network not ready', undefined, { networkReady: networkError });
    this.snapshot = { ...this.snapshot, runtimeError, networkError };
    if (runtimeError) return true;
    if (!this.snapshot.version) {
      try {
        const v = await this.probe.version('v1', { signal });
        this.snapshot.version = `${v.runtimeName}://${v.runtimeVersion}`;
        this.log.info('Container runtime initialized', { containerRuntime: v.runtimeName, version: v.runtimeVersion, apiVersion: v.runtimeApiVersion });
      } catch (e) {
        this.log.error('Unable to get the container runtime version', e);
      }
    }
    this.snapshot.lastSync = this.clock.now();
    return true;
  }

  /** Checks every interval; while the runtime is away, retries sooner with a backoff up to the interval. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: this.intervalMs });
    while (!signal.aborted) {
      const ok = await this.check(signal);
      if (ok) backoff.reset();
      await this.clock.sleep(ok ? this.intervalMs : backoff.next(), signal);
    }
  }
}
