// The prober's vocabulary: the v1 Probe as plain JSON, the three probe types, handler verdicts
// and upstream's defaults for the timing fields.

export interface HTTPHeader { name: string; value: string }
export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: HTTPHeader[] };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface ProbedContainer {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  restartPolicy?: string;
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
}

/** The part of a Pod the prober reads. */
export interface ProbedPod {
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec?: { containers?: ProbedContainer[]; initContainers?: ProbedContainer[]; restartPolicy?: string };
}

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
export function probeTiming(p: ProbeSpec): ResolvedTiming {
  const pos = (v: number | undefined, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  return {
    initialDelaySeconds: typeof p.initialDelaySeconds === 'number' && p.initialDelaySeconds > 0 ? p.initialDelaySeconds : 0,
    timeoutSeconds: pos(p.timeoutSeconds, 1),
    periodSeconds: pos(p.periodSeconds, 10),
    successThreshold: pos(p.successThreshold, 1),
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

export function probeOf(c: ProbedContainer, t: ProbeType): ProbeSpec | undefined {
  return t === 'Liveness' ? c.livenessProbe : t === 'Readiness' ? c.readinessProbe : c.startupProbe;
}

/** The User-Agent upstream's probes send: kube-probe/<major>.<minor>. */
export const probeUserAgent = 'kube-probe/1.32';
/** Upstream caps what it reads of a probe's response or command output at 10 KiB. */
export const maxProbeOutputBytes = 10 * 1024;
