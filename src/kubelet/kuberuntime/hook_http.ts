// The HTTP client of httpGet lifecycle hooks, as upstream's insecureContainerLifecycleHTTPClient:
// TLS without certificate checks (the kubelet has nothing to verify a pod's certificate against,
// as for probes), redirects followed on the same host only (httpprobe.RedirectChecker(false)),
// no connection kept. Only a failed request is an error; the status code is not looked at.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dialTimeout } from '../httpclient.ts';

/** GETs url with these headers; rejects when the request fails. Injectable for tests. */
export type HookGet = (url: string, headers: Record<string, string>, signal?: AbortSignal) => Promise<void>;

const maxRedirects = 10;
/** The statuses Go's client follows when they carry a Location. */
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** Upstream discards at most this much of a hook's response body before closing. */
const maxBodyBytes = 10 * 1024;
/** Go's DefaultTransport dialer timeout. */
const hookDialTimeoutMs = 30_000;

export const hookGet: HookGet = async (url, headers, signal) => {
  const first = new URL(url);
  let current = first;
  let hdrs = headers;
  for (let requests = 1; ; requests++) {
    const res = await getOnce(current, hdrs, signal);
    const location = redirectStatuses.has(res.statusCode ?? 0) ? res.headers.location : undefined;
    if (!location) return;
    const next = new URL(location, current);
    // Another host's redirect is the answer (Go's ErrUseLastResponse), not an error.
    if (next.hostname !== first.hostname) return;
    if (requests >= maxRedirects) throw new Error(`Get ${JSON.stringify(next.href)}: stopped after ${maxRedirects} redirects`);
    // Go keeps a custom Host only through a relative redirect.
    if (/^[a-z][a-z0-9+.-]*:/i.test(location)) hdrs = withoutHost(hdrs);
    current = next;
  }
};

function withoutHost(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'host'));
}

/** One GET; resolves with the response once its head is in, and drains a little of the body. */
function getOnce(u: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const tls = u.protocol === 'https:';
    if (!tls && u.protocol !== 'http:') {
      reject(new Error(`Get ${JSON.stringify(u.href)}: unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`));
      return;
    }
    const req = (tls ? httpsRequest : httpRequest)(u, { headers, signal, agent: false, rejectUnauthorized: false }, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => { read += chunk.length; if (read > maxBodyBytes) res.destroy(); });
      res.on('error', () => {}); // a body cut short is no failure of the hook
      resolve(res);
    });
    req.on('error', (err) => reject(new Error(`Get ${JSON.stringify(u.href)}: ${err.message}`)));
    // An address that never answers (a pod gone): a postStart hook has no other limit.
    dialTimeout(req, u.host, hookDialTimeoutMs);
    req.end();
  });
}
