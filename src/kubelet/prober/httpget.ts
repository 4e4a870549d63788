// A minimal HTTP/1.1 GET for probes: the request written as one buffer over node:net (node:tls
// with no certificate checks for HTTPS), the response parsed only as far as a probe needs
// (response.ts), the connection closed, one timer for the whole exchange. Node's http client
// (agents, IncomingMessage streams, header objects) cost the kubelet several times the CPU per
// probe, and a probe uses none of it: upstream's transport keeps no connections alive either.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { dialError } from './neterr.ts';
import { ResponseParser } from './response.ts';
import { SocketProbe } from './socketprobe.ts';
import type { HTTPHeader } from '../../api/core/index.ts';
import { maxProbeOutputBytes, probeUserAgent, type HandlerResult } from './types.ts';

const maxRedirects = 10;
/** The statuses Go's client follows (with a Location); any other 3xx is the final answer. */
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

interface Target { tls: boolean; host: string; port: number }

/** A probe's request, built once: what to dial, the request bytes, what redirects need. */
export interface PreparedGet {
  url: string;
  target: Target;
  request: Buffer;
  /** The header lines after Host (User-Agent, Accept, the probe's own, Connection), CRLF-ended. */
  headerLines: string;
  /** A Host the probe's headers set, else undefined. */
  customHost: string | undefined;
  /** Whether the probe set a Referer itself (Go then keeps it on redirects). */
  ownReferer: boolean;
  /** The first URL's host: redirects elsewhere are not followed. */
  hostname: string;
}

/** Go's textproto.CanonicalMIMEHeaderKey: `x-custom-thing` is sent as `X-Custom-Thing`. */
export function canonicalHeaderName(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * The request headers after Host, as upstream builds them (pkg/probe/http/request.go): the probe's
 * own headers; User-Agent kube-probe/<major>.<minor> unless set (an empty one sends none); Accept
 * `*\/*` unless set (an empty one sends none); Connection: close, as keep-alives are off.
 */
export function probeHeaderLines(headers: HTTPHeader[] = []): { lines: string; host: string | undefined; referer: boolean } {
  let host: string | undefined;
  let userAgent: string | undefined;
  let accept: string | undefined;
  let referer = false;
  let lines = '';
  for (const { name, value } of headers) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new Error(`net/http: invalid header field name ${JSON.stringify(name)}`);
    const key = canonicalHeaderName(name);
    // Go refuses control characters in a value (a tab is fine): no header injection.
    if (/[\0-\x08\x0a-\x1f\x7f]/.test(value)) throw new Error(`net/http: invalid header field value for ${JSON.stringify(key)}`);
    // Go takes Host and User-Agent out of the header map and writes the first value of each.
    if (key === 'Host') { host ??= value; continue; }
    if (key === 'User-Agent') { userAgent ??= value; continue; }
    if (key === 'Content-Length' || key === 'Transfer-Encoding' || key === 'Trailer') continue;
    if (key === 'Accept') { accept ??= value; if (accept === '') continue; }
    if (key === 'Referer') referer = true;
    lines += `${key}: ${value}\r\n`;
  }
  const ua = userAgent ?? probeUserAgent;
  let out = ua === '' ? '' : `User-Agent: ${ua}\r\n`;
  if (accept === undefined) out += 'Accept: */*\r\n';
  out += lines;
  out += 'Connection: close\r\n';
  return { lines: out, host: host === '' ? undefined : host, referer };
}

/** The authority of a URL as written (Go keeps `:80` in Host; WHATWG's URL drops it). */
function authorityOf(url: string, parsed: URL): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(url);
  const a = m ? m[1]!.slice(m[1]!.lastIndexOf('@') + 1) : parsed.host;
  return a || parsed.host;
}

function targetOf(u: URL): Target | Error {
  const tls = u.protocol === 'https:';
  if (!tls && u.protocol !== 'http:') return new Error(`unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { tls, host, port: Number(u.port || (tls ? 443 : 80)) };
}

const requestLine = (u: URL, host: string, lines: string) =>
  Buffer.from(`GET ${u.pathname || '/'}${u.search} HTTP/1.1\r\nHost: ${host}\r\n${lines}\r\n`, 'utf8');

/** Builds a probe's request once; an Error (Go's message, URL-prefixed) when it cannot be sent. */
export function prepareGet(url: string, headers: HTTPHeader[] | undefined): PreparedGet | Error {
  let u: URL;
  try { u = new URL(url); } catch { return new Error(`parse ${JSON.stringify(url)}: invalid URL`); }
  const target = targetOf(u);
  if (target instanceof Error) return new Error(`Get ${JSON.stringify(url)}: ${target.message}`);
  let h: ReturnType<typeof probeHeaderLines>;
  try { h = probeHeaderLines(headers); } catch (err) { return new Error(`Get ${JSON.stringify(url)}: ${(err as Error).message}`); }
  return {
    url, target, headerLines: h.lines, customHost: h.host, ownReferer: h.referer, hostname: u.hostname,
    request: requestLine(u, h.host ?? authorityOf(url, u), h.lines),
  };
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

const headersTimeout = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
const bodyTimeout = 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';

/**
 * Runs a prepared GET within timeoutMs (the whole exchange, redirects included, as Go's
 * Client.Timeout) and gives upstream's verdict. Errors before a response are failures
 * (`Get "<url>": ...`); errors while reading the body are errors (unknown), as upstream.
 */
export function runGet(p: PreparedGet, timeoutMs: number, signal?: AbortSignal): Promise<HandlerResult> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve({ result: 'unknown', output: 'probe cancelled' }); return; }
    new Exchange(p, resolve, signal, timeoutMs).send(p.request);
  });
}

/** One GET and its redirects. */
class Exchange extends SocketProbe {
  private url: string;
  private target: Target;
  private requests = 0;
  private parser: ResponseParser | undefined;

  constructor(private readonly p: PreparedGet, resolve: (r: HandlerResult) => void, signal: AbortSignal | undefined, timeoutMs: number) {
    super(resolve, signal, timeoutMs);
    this.url = p.url;
    this.target = p.target;
  }

  protected timedOut(): HandlerResult {
    return this.parser?.headDone
      ? { result: 'unknown', output: bodyTimeout }
      : { result: 'failure', output: `Get ${JSON.stringify(this.url)}: ${headersTimeout}` };
  }

  protected release(): void { this.parser = undefined; }

  send(request: Buffer): void {
    const { tls, host, port } = this.target;
    const s = tls ? tlsConnect({ host, port, rejectUnauthorized: false }) : netConnect(port, host);
    const parser = new ResponseParser(maxProbeOutputBytes);
    this.socket = s;
    this.parser = parser;
    this.requests++;
    // The listeners reach the parser through this exchange only, which drops it when finished.
    s.on('data', (d: Buffer) => { if (this.socket === s) this.onData(this.parser!, d); });
    s.on('end', () => { if (this.socket === s) this.onEnd(this.parser!); });
    s.on('error', (err) => { if (this.socket === s) this.onError(this.parser!, err); });
    s.write(request);
  }

  private onData(parser: ResponseParser, d: Buffer): void {
    const wasHead = parser.headDone;
    let done: boolean;
    try { done = parser.push(d); } catch (err) { this.fail(parser, (err as Error).message); return; }
    if (!wasHead && parser.headDone && this.redirect(parser)) return;
    if (done) this.complete(parser);
  }

  private onEnd(parser: ResponseParser): void {
    try { parser.end(); } catch (err) { this.fail(parser, (err as Error).message); return; }
    this.complete(parser);
  }

  private onError(parser: ResponseParser, err: Error): void {
    this.fail(parser, parser.headDone ? err.message : dialError(err, this.target.host, this.target.port));
  }

  /** Before a response: a failure naming the URL; while reading a body: an error (Go's ReadAtMost). */
  private fail(parser: ResponseParser, message: string): void {
    if (parser.headDone) this.finish({ result: 'unknown', output: message });
    else this.finish({ result: 'failure', output: `Get ${JSON.stringify(this.url)}: ${message}` });
  }

  private complete(parser: ResponseParser): void {
    this.finish(httpVerdict(parser.status, parser.text()));
  }

  /** Follows a same-host redirect (true), or leaves the response as the final one (false). */
  private redirect(parser: ResponseParser): boolean {
    const loc = parser.location;
    if (!redirectStatuses.has(parser.status) || !loc) return false;
    let next: URL;
    try { next = new URL(loc, this.url); } catch {
      this.finish({ result: 'failure', output: `Get ${JSON.stringify(this.url)}: failed to parse Location header ${JSON.stringify(loc)}` });
      return true;
    }
    if (next.hostname !== this.p.hostname) return false; // upstream's checker: the redirect is the answer
    const prev = this.url;
    this.url = next.href;
    this.socket?.destroy();
    if (this.requests >= maxRedirects) { this.finish({ result: 'failure', output: `Get ${JSON.stringify(this.url)}: stopped after 10 redirects` }); return true; }
    const target = targetOf(next);
    if (target instanceof Error) { this.finish({ result: 'failure', output: `Get ${JSON.stringify(this.url)}: ${target.message}` }); return true; }
    this.target = target;
    // Go keeps a custom Host through a relative redirect only, and sends the last URL as Referer
    // (unless that would leak an https URL to http, or the probe set its own).
    const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(loc);
    const host = this.p.customHost !== undefined && !absolute ? this.p.customHost : authorityOf(next.href, next);
    const referer = !this.p.ownReferer && !(prev.startsWith('https:') && !target.tls) ? `Referer: ${stripUserinfo(prev)}\r\n` : '';
    this.send(requestLine(next, host, this.p.headerLines + referer));
    return true;
  }
}

function stripUserinfo(url: string): string {
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#@]*@/, '$1');
}
