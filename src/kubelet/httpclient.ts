// The kubelet's one HTTP(S) GET client, for the --manifest-url source and lifecycle hooks. Not
// fetch: an aborted fetch leaves its socket connecting for undici's 10 s connect timeout (a
// hook's SYN-SENT to a pod that was gone kept the process alive after the kubelet stopped). Here
// abort destroys the socket at once, no connection is kept alive, and the dial has Go's default
// 30 s timeout (net/http's DefaultTransport). Redirects are followed as Go's http.Client does.
import * as http from 'node:http';
import * as https from 'node:https';

export interface GetOptions {
  headers?: Iterable<[string, string]>;
  signal?: AbortSignal;
  /** The dial's limit (Go's DefaultTransport: 30 s). */
  connectTimeoutMs?: number;
  /** Larger bodies fail the request (with body 'discard': reading stops there). */
  maxBodyBytes?: number;
  /** 'discard': the body is read up to maxBodyBytes and dropped, and a body cut short is no error. */
  body?: 'keep' | 'discard';
  /** HTTPS: whether the server's certificate is verified (default true). */
  rejectUnauthorized?: boolean;
  /** Go's CheckRedirect: false takes the redirect itself as the answer (ErrUseLastResponse). */
  followRedirect?: (next: URL, first: URL) => boolean;
}

export interface GetResponse {
  url: string;
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const defaultConnectTimeoutMs = 30_000;
/** As Go's client: at most 10 requests, redirects for these statuses with a Location. */
const maxRedirects = 10;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** Go's client drops these on a redirect to a host that is neither the first nor under it. */
const sensitiveHeaders = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);

/** GETs url, following redirects; rejects on a network error, a dial timeout, an abort or an oversized body. */
export async function httpGet(url: string, o: GetOptions = {}): Promise<GetResponse> {
  let headers = [...(o.headers ?? [])];
  const first = new URL(url);
  let current = first;
  for (let requests = 1; ; requests++) {
    const res = await getOnce(current.href, headers, o);
    const location = res.headers.location;
    if (!redirectStatuses.has(res.status) || !location) return res;
    const next = new URL(location, current);
    if (o.followRedirect && !o.followRedirect(next, first)) return res;
    if (requests >= maxRedirects) throw new Error(`stopped after ${maxRedirects} redirects`);
    headers = redirectHeaders(headers, location, first, next);
    current = next;
  }
}

/**
 * The headers of a redirect's request, as Go's client: a custom Host only through a relative
 * Location; credentials only to the first host or its subdomains, and once dropped, gone for good
 * (headers are those of the previous hop).
 */
function redirectHeaders(headers: [string, string][], location: string, first: URL, next: URL): [string, string][] {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(location);
  const keepSensitive = isDomainOrSubdomain(next.hostname, first.hostname);
  return headers.filter(([k]) => {
    const name = k.toLowerCase();
    if (name === 'host') return !absolute;
    return keepSensitive || !sensitiveHeaders.has(name);
  });
}

/** Go's isDomainOrSubdomain: sub is parent or ends with "." + parent; IPv6 literals only equal. */
function isDomainOrSubdomain(sub: string, parent: string): boolean {
  if (sub === parent) return true;
  if (sub.includes(':') || sub.startsWith('[')) return false;
  return sub.endsWith(`.${parent}`);
}

function getOnce(url: string, headers: [string, string][], o: GetOptions): Promise<GetResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`));
      return;
    }
    const send = u.protocol === 'https:' ? https.request : http.request;
    const opts: https.RequestOptions = { method: 'GET', agent: false, headers: headerRecord(headers), signal: o.signal, rejectUnauthorized: o.rejectUnauthorized };
    const req = send(u, opts, (res) => {
      const discard = o.body === 'discard';
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => resolve({ url, status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (o.maxBodyBytes !== undefined && size > o.maxBodyBytes) {
          if (discard) done();
          else reject(new Error(`the body is larger than ${o.maxBodyBytes} bytes`));
          req.destroy();
          return;
        }
        if (!discard) chunks.push(c);
      });
      // After a rejection (a body too large) a late 'end' changes nothing: a promise settles once.
      res.on('end', done);
      res.on('error', discard ? done : reject);
    });
    req.on('error', reject);
    dialTimeout(req, u.host, o.connectTimeoutMs ?? defaultConnectTimeoutMs);
    req.end();
  });
}

/**
 * Times the dial alone (Go's DefaultTransport: 30 s): a SYN that gets no answer otherwise waits
 * out the kernel's retries (about 2 minutes). Once connected, the caller's signal bounds the rest.
 */
function dialTimeout(req: http.ClientRequest, host: string, ms: number): void {
  req.on('socket', (s) => {
    if (!s.connecting) return;
    const timer = setTimeout(() => req.destroy(new Error(`dial tcp ${host}: i/o timeout (no connection within ${ms} ms)`)), ms);
    const clear = () => clearTimeout(timer);
    s.once('connect', clear);
    s.once('close', clear);
  });
}

/** Repeated names become one header with several values (node:http sends a line for each). */
function headerRecord(headers: [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    const had = out[k];
    out[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return out;
}
