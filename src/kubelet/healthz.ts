// GET /healthz on 127.0.0.1:<healthz-port>: "ok" while every check passes, otherwise 500 with the
// upstream-style check list ("[-]syncloop failed: ..."). GET /healthz/<check> runs one check.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDuration } from '../api/duration.ts';

export interface HealthCheck {
  name: string;
  /** undefined when healthy, else why not. */
  check(): string | undefined;
}

/** Always passes: the process answers. /healthz lists it first, as upstream. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => undefined };

export function healthzAnswer(checks: HealthCheck[], verbose = false): { code: number; body: string } {
  const results = checks.map((c) => ({ name: c.name, failure: c.check() }));
  const failed = results.some((r) => r.failure !== undefined);
  if (!failed && !verbose) return { code: 200, body: 'ok' };
  const lines = results.map((r) => (r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.failure}`));
  lines.push(failed ? 'healthz check failed' : 'healthz check passed');
  return { code: failed ? 500 : 200, body: lines.join('\n') + '\n' };
}

/** Work the sync loop handed out and that has not finished: a pod worker's sync, a housekeeping pass. */
export interface InFlightWork {
  /** What it is, for the failure message (`pod worker for "default/web" (create)`). */
  what: string;
  since: Date;
  /** Time it may take beyond the threshold (a termination's grace period). */
  allowanceMs?: number;
}

/**
 * The sync loop check (upstream's syncLoopHealthCheck): failing once the loop has not been through
 * an iteration for `maxSilenceMs` (upstream: max(2×sync-frequency, 5 m)), or once work it handed
 * out has run that long: a pod worker stuck in one sync is no progress either.
 */
export function syncLoopCheck(lastTick: () => Date | undefined, now: () => Date, maxSilenceMs: number, inFlight: () => InFlightWork[] = () => []): HealthCheck {
  return {
    name: 'syncloop',
    check() {
      const t = lastTick();
      const at = now().getTime();
      if (t && at - t.getTime() > maxSilenceMs) return `sync loop took longer than expected (last iteration ${t.toISOString()})`;
      const stuck = inFlight().filter((w) => at - w.since.getTime() > maxSilenceMs + (w.allowanceMs ?? 0));
      if (!stuck.length) return undefined;
      const each = stuck.map((w) => `${w.what} running for ${formatDuration(at - w.since.getTime())}`);
      return `no progress: ${each.join(', ')}; threshold is ${formatDuration(maxSilenceMs)}`;
    },
  };
}

export interface HealthzServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthz(address: string, port: number, checks: HealthCheck[]): Promise<HealthzServer> {
  const all: HealthCheck[] = [pingCheck, ...checks];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/healthz(?:\/([\w-]+))?\/?$/.exec(url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (!m) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const selected = m[1] ? all.filter((c) => c.name === m[1]) : all;
    if (m[1] && selected.length === 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const { code, body } = healthzAnswer(selected, url.searchParams.has('verbose'));
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
