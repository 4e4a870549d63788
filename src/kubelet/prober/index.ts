// The prober's public face.
export { ProbeManager, probeTerminationGracePeriod, type ProbeManagerOptions, type ProbeUpdate } from './manager.ts';
export { ProbeMetrics } from './metrics.ts';
export { execProbe, type ExecRunner } from './exec.ts';
export { HttpGetProbe, httpProbe, probeURL } from './http.ts';
export { tcpProbe } from './tcp.ts';
export { grpcProbe } from './grpc.ts';
export { defaultHandlers, Prober, resolvePort, runProbe, type ProbeHandlers } from './prober.ts';
export type { ProbePodStatus } from './worker.ts';
export type { HandlerResult, ProbeResult, ProbeType } from './types.ts';
