// One probe run (upstream's prober.probe): resolve the handler's target, run it under the probe's
// timeout on the injected clock, retry errors, and record upstream's events.
import { realClock, type Clock } from '../clock.ts';
import type { PodEventRecorder } from '../kuberuntime/deps.ts';
import { execProbe, type ExecRunner } from './exec.ts';
import { grpcProbe } from './grpc.ts';
import { HttpGetProbe, httpProbe, probeURL } from './http.ts';
import { joinHostPort } from './neterr.ts';
import { tcpProbe } from './tcp.ts';
import type { Container, HTTPHeader, Pod, Probe } from '../../api/core/index.ts';
import type { HandlerResult, ProbeType } from './types.ts';

/** The four handlers; the defaults talk to the runtime and the network, tests pass fakes. */
export interface ProbeHandlers {
  exec(containerId: string, cmd: string[], timeoutSeconds: number, signal: AbortSignal): Promise<HandlerResult>;
  http(req: { url: string; headers?: HTTPHeader[]; timeoutSeconds: number; signal: AbortSignal }): Promise<HandlerResult>;
  tcp(host: string, port: number, timeoutSeconds: number, signal: AbortSignal): Promise<HandlerResult>;
  grpc(host: string, port: number, service: string, timeoutSeconds: number, signal: AbortSignal): Promise<HandlerResult>;
  /** An httpGet probe built once and run every tick (the request is the same each time). */
  prepareHttp?(url: string, headers: HTTPHeader[] | undefined): (timeoutSeconds: number, signal: AbortSignal) => Promise<HandlerResult>;
  /**
   * Whether http and tcp end on their own at timeoutSeconds of real time: then, on the real clock,
   * no second timer races them (two timers and two AbortControllers a probe, for nothing).
   */
  selfTimed?: boolean;
}

export function defaultHandlers(runner: ExecRunner): ProbeHandlers {
  return {
    exec: (id, cmd, t, signal) => execProbe(runner, id, cmd, t, signal),
    http: (req) => httpProbe(req),
    tcp: tcpProbe,
    grpc: grpcProbe,
    prepareHttp: (url, headers) => {
      const probe = new HttpGetProbe(url, headers);
      return (timeoutSeconds, signal) => probe.run(timeoutSeconds, signal);
    },
    selfTimed: true,
  };
}

/** Upstream's ResolveContainerPort: a number, or a container port's name. */
export function resolvePort(port: number | string, container: Container): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const found = (container.ports ?? []).find((p) => p.name === port);
    if (!found) throw new Error(`couldn't find port: ${port} in ${JSON.stringify(container.ports ?? [])}`);
    n = found.containerPort;
  }
  if (!(n > 0 && n < 65536)) throw new Error(`invalid port number: ${n}`);
  return n;
}

export interface ProbeTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  /** status.podIP: the default host of httpGet, tcpSocket and grpc. */
  podIP: string;
}

export interface Planned {
  run: (signal: AbortSignal) => Promise<HandlerResult>;
  timeoutOutput: string;
  /** The handler keeps the timeout itself on the real clock (http and tcp with the real handlers). */
  selfTimed: boolean;
}

/** What to run for a probe, and what a timeout reads as for that handler. Throws on a bad spec. */
export function planProbe(p: Probe, t: ProbeTarget, h: ProbeHandlers, timeoutSeconds: number): Planned {
  const runtimeId = t.containerId.replace(/^[a-z0-9]+:\/\//, '');
  const hostOf = (host?: string) => host || t.podIP || 'localhost';
  const selfTimed = h.selfTimed === true;
  if (p.exec) {
    const cmd = p.exec.command ?? [];
    return { run: (s) => h.exec(runtimeId, cmd, timeoutSeconds, s), timeoutOutput: `command ${JSON.stringify(cmd.join(' '))} timed out`, selfTimed: false };
  }
  if (p.httpGet) {
    const g = p.httpGet;
    const url = probeURL(g.scheme, hostOf(g.host), resolvePort(g.port, t.container), g.path);
    const prepared = h.prepareHttp?.(url, g.httpHeaders);
    return {
      run: prepared ? (s) => prepared(timeoutSeconds, s) : (s) => h.http({ url, headers: g.httpHeaders, timeoutSeconds, signal: s }),
      timeoutOutput: `Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      selfTimed,
    };
  }
  if (p.tcpSocket) {
    const host = hostOf(p.tcpSocket.host);
    const port = resolvePort(p.tcpSocket.port, t.container);
    return { run: (s) => h.tcp(host, port, timeoutSeconds, s), timeoutOutput: `dial tcp ${joinHostPort(host, port)}: i/o timeout`, selfTimed };
  }
  if (p.grpc) {
    const host = hostOf();
    const port = resolvePort(p.grpc.port, t.container);
    return {
      run: (s) => h.grpc(host, port, p.grpc!.service ?? '', timeoutSeconds, s),
      timeoutOutput: `timeout: failed to connect service ${JSON.stringify(joinHostPort(host, port))} within ${timeoutSeconds}s: context deadline exceeded`,
      selfTimed: false,
    };
  }
  throw new Error('missing probe handler');
}

/** Upstream retries a probe that errors (not one that fails) this many times. */
const maxProbeRetries = 3;

export interface RunProbeDeps { handlers: ProbeHandlers; clock: Clock; recorder: PodEventRecorder }

/**
 * Runs the probe; the handler is cut off at timeoutSeconds on the injected clock, unless it keeps
 * that deadline itself on the real clock (selfTimed). Retries errors, as upstream. Returns success,
 * failure or unknown (an error: the worker discards it), after recording upstream's Unhealthy /
 * ProbeWarning events. One-off form of Prober.probe.
 */
export function runProbe(type: ProbeType, p: Probe, t: ProbeTarget, timeoutSeconds: number, d: RunProbeDeps, signal: AbortSignal): Promise<HandlerResult> {
  return new Prober(d).probe(type, p, t, timeoutSeconds, signal);
}

interface CachedPlan { containerId: string; podIP: string; timeoutSeconds: number; plan: Planned }

/**
 * The prober (upstream's prober.prober): runProbe with each probe's plan kept between ticks, so a
 * tick neither re-resolves ports nor rebuilds URLs and requests while the container and pod IP stay.
 */
export class Prober {
  // Keyed by the spec object, which a worker keeps for its life: entries go with their workers.
  private readonly plans = new WeakMap<Probe, CachedPlan>();

  constructor(private readonly d: RunProbeDeps) {}

  async probe(type: ProbeType, p: Probe, t: ProbeTarget, timeoutSeconds: number, signal: AbortSignal): Promise<HandlerResult> {
    let r: HandlerResult = { result: 'unknown', output: '' };
    for (let i = 0; i < maxProbeRetries && !signal.aborted; i++) {
      try {
        const plan = this.plan(p, t, timeoutSeconds);
        r = plan.selfTimed && this.d.clock === realClock ? await plan.run(signal) : await withTimeout(plan, timeoutSeconds, this.d.clock, signal);
      } catch (err) {
        r = { result: 'unknown', output: err instanceof Error ? err.message : String(err) };
      }
      if (r.result !== 'unknown') break;
    }
    if (signal.aborted) return { result: 'unknown', output: 'probe cancelled' };
    if (r.result !== 'success') record(this.d.recorder, type, t, r);
    return r;
  }

  private plan(p: Probe, t: ProbeTarget, timeoutSeconds: number): Planned {
    const c = this.plans.get(p);
    if (c && c.containerId === t.containerId && c.podIP === t.podIP && c.timeoutSeconds === timeoutSeconds) return c.plan;
    const plan = planProbe(p, t, this.d.handlers, timeoutSeconds);
    this.plans.set(p, { containerId: t.containerId, podIP: t.podIP, timeoutSeconds, plan });
    return plan;
  }
}

function record(recorder: PodEventRecorder, type: ProbeType, t: ProbeTarget, r: HandlerResult): void {
  const ref = { name: t.pod.metadata.name ?? '', namespace: t.pod.metadata.namespace || 'default', uid: t.pod.metadata.uid ?? '' };
  const fieldPath = (t.pod.spec?.initContainers ?? []).some((c) => c.name === t.container.name)
    ? `spec.initContainers{${t.container.name}}` : `spec.containers{${t.container.name}}`;
  if (r.result === 'unknown') recorder.event(ref, 'Warning', 'Unhealthy', `${type} probe errored: ${r.output}`, fieldPath);
  else if (r.result === 'failure') recorder.event(ref, 'Warning', 'Unhealthy', `${type} probe failed: ${r.output}`, fieldPath);
  else if (r.result === 'warning') recorder.event(ref, 'Warning', 'ProbeWarning', `${type} probe warning: ${r.output}`, fieldPath);
}

// One shared reason: abort() without one builds a DOMException (and its stack) on every probe.
const finished = Object.freeze(new Error('probe finished'));

/** The handler raced against timeoutSeconds on the injected clock (fakes, exec, grpc). */
async function withTimeout(plan: Planned, timeoutSeconds: number, clock: Clock, signal: AbortSignal): Promise<HandlerResult> {
  // One controller ends both the handler and the timer, whichever way the race goes.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(finished);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // The handler starts first: its own real deadline, if any, then fires before this backstop.
    const running = plan.run(ctl.signal);
    const timeout = clock.sleep(timeoutSeconds * 1000, ctl.signal).then((): HandlerResult | undefined =>
      ctl.signal.aborted ? undefined : { result: 'failure', output: plan.timeoutOutput });
    const r = await Promise.race([running, timeout]);
    return r ?? { result: 'unknown', output: 'probe cancelled' };
  } finally {
    ctl.abort(finished); // ends a handler still running after a timeout: no sockets left behind
    signal.removeEventListener('abort', onAbort);
  }
}
