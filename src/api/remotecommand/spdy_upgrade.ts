// The HTTP/1.1 upgrade to SPDY/3.1 that Kubernetes streaming uses (k8s.io/apimachinery
// util/httpstream and httpstream/spdy): the client asks with `Connection: Upgrade`,
// `Upgrade: SPDY/3.1` and one `X-Stream-Protocol-Version` per protocol it speaks, in order of
// preference; the server answers 101 with the one it chose, and both sides then speak SPDY on
// the socket, the client in the client role.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { Session } from '../spdy/session.ts';

export const HEADER_SPDY31 = 'SPDY/3.1';
export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
export const HEADER_ACCEPTED_PROTOCOL_VERSIONS = 'X-Accepted-Stream-Protocol-Versions';

export interface SpdyDialOptions {
  /** For https: URLs: ca, cert, key, servername, rejectUnauthorized… */
  tls?: tls.ConnectionOptions;
  /** Extra request headers (Authorization…). */
  headers?: Record<string, string>;
  /** POST, as kubectl sends exec, attach and port-forward; containerd's streaming server takes GET too. */
  method?: 'POST' | 'GET';
  /** How long the upgrade may take; 30 s by default. */
  timeoutMs?: number;
}

export interface SpdyConnection {
  session: Session;
  /** The protocol the server chose; '' when it named none (a legacy server: the v1 protocol). */
  protocol: string;
}

/** The HTTP error a failed upgrade answered with; the body is often a metav1.Status. */
export class UpgradeError extends Error {
  constructor(readonly statusCode: number, readonly body: string) {
    super(`unable to upgrade connection: ${statusCode} ${body.trim()}`);
    this.name = 'UpgradeError';
  }
}

/** Dials url and upgrades the connection to SPDY/3.1, offering protocols in order of preference. */
export function dialSpdy(url: string | URL, protocols: string[], opts: SpdyDialOptions = {}): Promise<SpdyConnection> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const secure = u.protocol === 'https:' || u.protocol === 'wss:';
  const headers: http.OutgoingHttpHeaders = {
    ...opts.headers,
    Connection: 'Upgrade',
    Upgrade: HEADER_SPDY31,
    [HEADER_PROTOCOL_VERSION]: protocols,
  };
  const reqOpts: https.RequestOptions = { ...(secure ? opts.tls : {}), method: opts.method ?? 'POST', headers, agent: false, timeout: opts.timeoutMs ?? 30_000 };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(u, reqOpts);
    req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (res.statusCode !== 101 || String(res.headers.upgrade ?? '').toLowerCase() !== HEADER_SPDY31.toLowerCase()) {
        socket.destroy();
        reject(new UpgradeError(res.statusCode ?? 0, `unexpected upgrade to ${res.headers.upgrade ?? '(none)'}`));
        return;
      }
      const protocol = String(res.headers[HEADER_PROTOCOL_VERSION.toLowerCase()] ?? '');
      resolve({ session: new Session(socket, { role: 'client', head }), protocol });
    });
    req.on('response', (res: http.IncomingMessage) => {
      const body: Buffer[] = [];
      res.on('data', (c: Buffer) => body.push(c));
      res.on('end', () => reject(new UpgradeError(res.statusCode ?? 0, Buffer.concat(body).toString())));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`upgrading ${u.origin}${u.pathname} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The protocols a request offers: repeated headers and comma-separated values alike, in order. */
export function requestedProtocols(headers: http.IncomingHttpHeaders): string[] {
  const raw = headers[HEADER_PROTOCOL_VERSION.toLowerCase()];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Upstream's negotiateProtocol: the first protocol the client offers that the server speaks. */
export function negotiateProtocol(clientProtocols: string[], serverProtocols: string[]): string | undefined {
  return clientProtocols.find((p) => serverProtocols.includes(p));
}

export type HandshakeResult =
  | { ok: true; protocol: string }
  | { ok: false; statusCode: number; message: string; headers?: Record<string, string[]> };

/** httpstream.Handshake plus the upgrade header checks of spdy.UpgradeResponse, as a pure decision. */
export function spdyHandshake(headers: http.IncomingHttpHeaders, serverProtocols: string[]): HandshakeResult {
  const connection = String(headers.connection ?? '').toLowerCase();
  const upgrade = String(headers.upgrade ?? '').toLowerCase();
  if (!connection.includes('upgrade') || !upgrade.includes(HEADER_SPDY31.toLowerCase())) {
    return { ok: false, statusCode: 400, message: 'unable to upgrade: missing upgrade headers in request' };
  }
  const offered = requestedProtocols(headers);
  if (!offered.length) return { ok: false, statusCode: 400, message: `unable to upgrade: ${HEADER_PROTOCOL_VERSION} is required` };
  const protocol = negotiateProtocol(offered, serverProtocols);
  if (protocol === undefined) {
    return {
      ok: false, statusCode: 403, headers: { [HEADER_ACCEPTED_PROTOCOL_VERSIONS]: serverProtocols },
      message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${serverProtocols.join(' ')}]`,
    };
  }
  return { ok: true, protocol };
}

/**
 * Server side, from an http.Server 'upgrade' event: answers 101 and returns the session, or
 * answers the handshake's HTTP error, ends the socket and throws UpgradeError.
 */
export function acceptSpdy(req: http.IncomingMessage, socket: Duplex, head: Buffer, serverProtocols: string[]): SpdyConnection {
  const result = spdyHandshake(req.headers, serverProtocols);
  if (!result.ok) {
    writeHttpError(socket, result.statusCode, result.message, result.headers);
    throw new UpgradeError(result.statusCode, result.message);
  }
  socket.write([
    'HTTP/1.1 101 Switching Protocols',
    'Connection: Upgrade',
    `Upgrade: ${HEADER_SPDY31}`,
    `${HEADER_PROTOCOL_VERSION}: ${result.protocol}`,
    '', '',
  ].join('\r\n'));
  return { session: new Session(socket, { role: 'server', head }), protocol: result.protocol };
}

/** A plain-text HTTP error on a socket that never reached an http.ServerResponse. */
export function writeHttpError(socket: Duplex, statusCode: number, message: string, headers: Record<string, string[]> = {}): void {
  const body = Buffer.from(`${message}\n`);
  const lines = [
    `HTTP/1.1 ${statusCode} ${http.STATUS_CODES[statusCode] ?? ''}`,
    'Content-Type: text/plain; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${body.length}`,
    'Connection: close',
    ...Object.entries(headers).flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}`)),
    '', '',
  ];
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]));
}
