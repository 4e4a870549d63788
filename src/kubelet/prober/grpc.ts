// The grpc handler: grpc.health.v1.Health/Check with the probe's service over plaintext; SERVING
// is healthy. As upstream, the connection must come up within the timeout (a refused port keeps
// retrying until then), and every problem is a failure with upstream's wording.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { formatDuration } from '../../api/duration.ts';
import { joinHostPort } from './neterr.ts';
import { probeUserAgent, type HandlerResult } from './types.ts';

type HealthClient = grpc.Client & {
  Check(req: { service: string }, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): grpc.ClientUnaryCall;
};

let healthService: grpc.ServiceClientConstructor | undefined;
/** The Health service definition, parsed on first use. */
export function loadHealthService(): grpc.ServiceClientConstructor {
  if (!healthService) {
    const def = protoLoader.loadSync(fileURLToPath(new URL('./health.proto', import.meta.url)), { enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    healthService = pkg.grpc.health.v1.Health;
  }
  return healthService;
}

/** Go's spelling of a gRPC status code (NOT_FOUND → NotFound). */
function goCodeName(code: grpc.status): string {
  const name = grpc.status[code] ?? 'Unknown';
  return name === 'OK' ? 'OK' : name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

export function grpcProbe(host: string, port: number, service: string, timeoutSeconds: number, signal?: AbortSignal): Promise<HandlerResult> {
  const addr = joinHostPort(host, port);
  const timeout = formatDuration(timeoutSeconds * 1000);
  const Health = loadHealthService();
  const client = new Health(addr, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': probeUserAgent,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 500,
  }) as unknown as HealthClient;
  const deadline = new Date(Date.now() + timeoutSeconds * 1000);
  return new Promise<HandlerResult>((resolve) => {
    let done = false;
    const finish = (r: HandlerResult) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      client.close();
      resolve(r);
    };
    const onAbort = () => finish({ result: 'unknown', output: 'probe cancelled' });
    signal?.addEventListener('abort', onAbort, { once: true });
    client.waitForReady(deadline, (err) => {
      if (done) return;
      if (err) {
        finish({ result: 'failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeout}: context deadline exceeded` });
        return;
      }
      client.Check({ service }, new grpc.Metadata(), { deadline }, (e, res) => {
        if (!e) {
          const status = res?.status ?? 'UNKNOWN';
          finish(status === 'SERVING'
            ? { result: 'success', output: 'service is serving' }
            : { result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(status)})` });
          return;
        }
        if (e.code === grpc.status.UNIMPLEMENTED) {
          finish({ result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${e.details}` });
        } else if (e.code === grpc.status.DEADLINE_EXCEEDED) {
          finish({ result: 'failure', output: `timeout: health rpc did not complete within ${timeout}` });
        } else {
          finish({ result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${goCodeName(e.code)} desc = ${e.details}` });
        }
      });
    });
  });
}
