// The httpGet handler: a GET with upstream's headers, healthy when 200 <= status < 400.
// Redirects (301, 302, 303, 307, 308 with a Location, as Go's client) are followed only within the
// same host, at most 10; a redirect elsewhere ends the probe with the redirect itself, a success
// with a warning, as upstream. The exchange runs over node:net (node:tls for HTTPS, no certificate
// checks) with the request prepared once per probe spec: see httpget.ts for why.
import { prepareGet, runGet, type PreparedGet } from './httpget.ts';
export { httpVerdict } from './httpget.ts';
import type { HTTPHeader } from '../../api/core/index.ts';
import type { HandlerResult } from './types.ts';

export interface HttpProbeRequest {
  url: string;
  headers?: HTTPHeader[];
  timeoutSeconds: number;
  signal?: AbortSignal;
}

/** Upstream's URL for an httpGet action: scheme://host:port + path (a path may carry a query). */
export function probeURL(scheme: string | undefined, host: string, port: number, path: string | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  let p = path ?? '';
  if (p && !p.startsWith('/')) p = `/${p}`;
  return `${(scheme || 'HTTP').toLowerCase()}://${h}:${port}${p}`;
}

/**
 * An httpGet probe prepared once (URL parsed, request bytes built) and run on every tick; the
 * prober keeps one per worker while the URL and headers stay the same.
 */
export class HttpGetProbe {
  private readonly prepared: PreparedGet | Error;

  constructor(readonly url: string, readonly headers: HTTPHeader[] | undefined) {
    this.prepared = prepareGet(url, headers);
  }

  run(timeoutSeconds: number, signal?: AbortSignal): Promise<HandlerResult> {
    const p = this.prepared;
    if (p instanceof Error) return Promise.resolve({ result: 'failure', output: p.message });
    return runGet(p, timeoutSeconds * 1000, signal);
  }
}

/** One httpGet probe, prepared and run (tests and one-off callers; workers reuse HttpGetProbe). */
export function httpProbe(req: HttpProbeRequest): Promise<HandlerResult> {
  return new HttpGetProbe(req.url, req.headers).run(req.timeoutSeconds, req.signal);
}
