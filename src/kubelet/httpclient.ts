// A plain HTTP(S) GET for the --manifest-url source, and the dial timeout that lifecycle hooks
// share. Not fetch: an aborted fetch leaves its socket connecting for undici's 10 s connect
// timeout (a hook's SYN-SENT to a pod that was gone kept the process alive after the kubelet
// stopped). Here abort destroys the socket at once, no connection is kept alive, and the dial has
// Go's default 30 s timeout (net/http's DefaultTransport).
import * as http from 'node:http';
import * as https from 'node:https';

export interface GetOptions {
  headers?: Iterable<[string, string]>;
  signal?: AbortSignal;
  /** The dial's limit (Go's DefaultTransport: 30 s). */
  connectTimeoutMs?: number;
  /** Larger bodies fail the request. */
  maxBodyBytes?: number;
}

export interface GetResponse {
  url: string;
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const defaultConnectTimeoutMs = 30_000;
/** As Go's client: at most 10 redirects, for these statuses with a Location. */
const maxRedirects = 10;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** GETs url, following redirects; rejects on a network error, a dial timeout, an abort or an oversized body. */
export async function httpGet(url: string, o: GetOptions = {}): Promise<GetResponse> {
  const headers = [...(o.headers ?? [])];
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, headers, o);
    const location = res.headers.location;
    if (!redirectStatuses.has(res.status) || !location) return res;
    if (hop === maxRedirects) throw new Error(`stopped after ${maxRedirects} redirects`);
    current = new URL(location, current).href;
  }
}

function getOnce(url: string, headers: [string, string][], o: GetOptions): Promise<GetResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`));
      return;
    }
    const send = u.protocol === 'https:' ? https.request : http.request;
    const req = send(u, { method: 'GET', agent: false, headers: headerRecord(headers), signal: o.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (o.maxBodyBytes !== undefined && size > o.maxBodyBytes) {
          reject(new Error(`the body is larger than ${o.maxBodyBytes} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      // After a rejection (a body too large) a late 'end' changes nothing: a promise settles once.
      res.on('end', () => resolve({ url, status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
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
export function dialTimeout(req: http.ClientRequest, host: string, ms: number): void {
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
