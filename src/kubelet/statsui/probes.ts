// A container's probes as the UI shows them: the handler in kubectl-describe words and the latest
// result as the pod status reveals it (readiness → ready, startup → started; a failing liveness
// probe shows as restarts, so a running, started container is passing it). Pure.
import type { Container, ContainerStatus, Probe } from '../../api/core/index.ts';

export interface ProbeView {
  type: 'startup' | 'liveness' | 'readiness';
  /** e.g. "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
  handler: string;
  result: 'success' | 'failure' | 'pending' | 'unknown';
}

/** What a probe's result is read from: the container's status. */
type Status = Partial<Pick<ContainerStatus, 'ready' | 'started' | 'state'>>;

/** The handler and its timing as kubectl describe prints them (upstream defaults filled in). */
export function describeProbe(p: Probe): string {
  let handler = 'unknown';
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
    handler = `http-get ${scheme}://${p.httpGet.host ?? ''}:${p.httpGet.port ?? ''}${p.httpGet.path ?? '/'}`;
  } else if (p.tcpSocket) handler = `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port ?? ''}`;
  else if (p.exec) handler = `exec [${(p.exec.command ?? []).join(' ')}]`;
  else if (p.grpc) handler = `grpc <pod>:${p.grpc.port ?? ''} ${p.grpc.service ?? ''}`.trimEnd();
  const timing = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  return `${handler} ${timing}`;
}

function resultOf(type: ProbeView['type'], s: Status | undefined): ProbeView['result'] {
  if (!s?.state?.running) return 'unknown';
  switch (type) {
    case 'startup':
      return s.started ? 'success' : 'pending';
    case 'readiness':
      if (s.started === false) return 'pending';
      return s.ready ? 'success' : 'failure';
    case 'liveness':
      return s.started === false ? 'pending' : 'success';
  }
}

export function describeProbes(spec: Pick<Container, 'startupProbe' | 'livenessProbe' | 'readinessProbe'>, status: Status | undefined): ProbeView[] {
  const out: ProbeView[] = [];
  const add = (type: ProbeView['type'], p: Probe | undefined) => {
    if (p) out.push({ type, handler: describeProbe(p), result: resultOf(type, status) });
  };
  add('startup', spec.startupProbe);
  add('liveness', spec.livenessProbe);
  add('readiness', spec.readinessProbe);
  return out;
}
