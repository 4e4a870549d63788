// The httpGet handler: a GET with upstream's headers, healthy when 200 <= status < 400.
// Redirects are followed only within the same host (at most 10); a redirect elsewhere ends the
// probe with the redirect itself, a success with a warning, as upstream.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dialError, isDialError } from './neterr.ts';
import { maxProbeOutputBytes, probeUserAgent, type HandlerResult, type HTTPHeader } from './types.ts';

export interface HttpProbeRequest {
  url: string;
  headers?: HTTPHeader[];
  timeoutSeconds: number;
  signal?: AbortSignal;
}

const maxRedirects = 10;

/** Upstream's URL for an httpGet action: scheme://host:port + path (a path may carry a query). */
export function probeURL(scheme: string | undefined, host: string, port: number, path: string | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  let p = path ?? '';
  if (p && !p.startsWith('/')) p = `/${p}`;
  return `${(scheme || 'HTTP').toLowerCase()}://${h}:${port}${p}`;
}

/** Request headers: the probe's own (names as given), then User-Agent and Accept unless set. */
export function probeHeaders(headers: HTTPHeader[] = []): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const seen = new Set<string>();
  for (const { name, value } of headers) {
    const key = name.toLowerCase();
    const prev = out[key];
    out[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
    seen.add(key);
  }
  if (!seen.has('user-agent')) out['user-agent'] = probeUserAgent;
  if (!seen.has('accept')) out['accept'] = '*/*';
  // Upstream's transport keeps no connections alive between probes.
  out['connection'] = 'close';
  return out;
}

/** The pure verdict on a final response (upstream's DoHTTPProbe after the client returns). */
export function httpVerdict(status: number, body: string): HandlerResult {
  if (status >= 200 && status < 400) {
    // A 3xx reaching here is a redirect not followed (another host, or no Location).
    if (status >= 300) return { result: 'warning', output: `Probe terminated redirects, Response body: ${body}` };
    return { result: 'success', output: body };
  }
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${status}` };
}

class ProbeHttpError extends Error {}

export async function httpProbe(req: HttpProbeRequest): Promise<HandlerResult> {
  const headers = probeHeaders(req.headers);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  let phase: 'headers' | 'body' = 'headers';
  let currentURL = req.url;
  const timer = setTimeout(() => ctl.abort(), req.timeoutSeconds * 1000);
  try {
    const first = new URL(req.url);
    let url = first;
    for (let hops = 0; ; hops++) {
      phase = 'headers';
      const res = await get(url, headers, ctl.signal);
      const location = res.headers.location;
      const redirect = res.statusCode! >= 300 && res.statusCode! < 400 && res.statusCode !== 304 && location !== undefined;
      if (redirect) {
        const next = new URL(location, url);
        if (next.hostname === first.hostname) {
          res.resume();
          url = next;
          currentURL = next.href;
          if (hops + 1 >= maxRedirects) throw new ProbeHttpError('stopped after 10 redirects');
          continue;
        }
      }
      phase = 'body';
      const body = await readCapped(res, maxProbeOutputBytes);
      return httpVerdict(res.statusCode!, body);
    }
  } catch (err) {
    if (ctl.signal.aborted && !req.signal?.aborted) {
      const why = phase === 'headers'
        ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';
      return { result: 'failure', output: `Get ${JSON.stringify(currentURL)}: ${why}` };
    }
    if (req.signal?.aborted) return { result: 'unknown', output: 'probe cancelled' };
    const u = new URL(currentURL);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const msg = err instanceof ProbeHttpError ? err.message : isDialError(err) ? dialError(err, host, port) : (err as Error).message;
    return { result: 'failure', output: `Get ${JSON.stringify(currentURL)}: ${msg}` };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

function get(url: URL, headers: Record<string, string | string[]>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const opts = { method: 'GET', headers, signal, agent: false as const, ...(isHttps ? { rejectUnauthorized: false } : {}) };
    const r = (isHttps ? httpsRequest : httpRequest)(url, opts, resolve);
    r.once('error', reject);
    r.end();
  });
}

/** Reads at most `limit` bytes of the body and drops the rest (upstream only logs the truncation). */
function readCapped(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      res.removeAllListeners('data');
      resolve(Buffer.concat(chunks).subarray(0, limit).toString('utf8'));
    };
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) { done(); res.destroy(); }
    });
    res.once('end', done);
    res.once('error', (e) => (size >= limit ? done() : reject(e)));
    res.once('aborted', () => reject(new Error('response aborted')));
  });
}
