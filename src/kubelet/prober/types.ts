// The prober's vocabulary: the three probe types, handler verdicts and upstream's defaults for
// the timing fields. The probes themselves are core/v1's (src/api/core).
import type { Container, Probe } from '../../api/core/index.ts';

export type ProbeType = 'Liveness' | 'Readiness' | 'Startup';
export const probeTypes: readonly ProbeType[] = ['Liveness', 'Readiness', 'Startup'];

/**
 * A handler's verdict (upstream's probe.Result): `warning` is a success worth an event (a redirect
 * the prober did not follow); `unknown` means the probe could not be run at all (an error).
 */
export interface HandlerResult {
  result: 'success' | 'warning' | 'failure' | 'unknown';
  output: string;
}

/** A cached verdict per container (upstream's results.Result). */
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ResolvedTiming {
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Upstream's API defaults, for probes that come in without them (static pods, fakes). */
export function probeTiming(p: Probe): ResolvedTiming {
  const pos = (v: number | undefined, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  return {
    initialDelaySeconds: typeof p.initialDelaySeconds === 'number' && p.initialDelaySeconds > 0 ? p.initialDelaySeconds : 0,
    timeoutSeconds: pos(p.timeoutSeconds, 1),
    periodSeconds: pos(p.periodSeconds, 10),
    successThreshold: pos(p.successThreshold, 1),
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

export function probeOf(c: Container, t: ProbeType): Probe | undefined {
  return t === 'Liveness' ? c.livenessProbe : t === 'Readiness' ? c.readinessProbe : c.startupProbe;
}

/** The User-Agent upstream's probes send: kube-probe/<major>.<minor>. */
export const probeUserAgent = 'kube-probe/1.32';
/** Upstream caps what it reads of a probe's response or command output at 10 KiB. */
export const maxProbeOutputBytes = 10 * 1024;
