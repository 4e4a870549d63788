// The Kubernetes port-forward protocol over SPDY/3.1 (portforward.k8s.io), both ends: for each
// forwarded connection the client opens a pair of streams with the same `port` and
// `requestID` headers, an error stream (which the client half-closes at once: it never writes
// there) and a data stream carrying the connection's bytes both ways. A server that cannot
// forward writes the reason on the error stream. As client-go's portforward and the kubelet's
// portforward/httpstream.go.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Session, SpdyStream } from '../spdy/session.ts';
import { acceptSpdy, dialSpdy, type SpdyDialOptions } from './spdy_upgrade.ts';

export const PortForwardProtocolV1 = 'portforward.k8s.io';
export const PORT_HEADER = 'port';
export const REQUEST_ID_HEADER = 'requestid';

export interface ForwardedConnection {
  requestId: number;
  /** The connection's bytes; end() half-closes toward the pod. */
  data: SpdyStream;
  /** What the server wrote on the error stream ('' when it forwarded without error). */
  error: Promise<string>;
}

export interface PortForwardClient {
  /** Opens one forwarded connection to port in the pod. */
  forward(port: number): Promise<ForwardedConnection>;
  close(): Promise<void>;
  session: Session;
}

export async function dialPortForward(url: string | URL, dial: SpdyDialOptions = {}): Promise<PortForwardClient> {
  const { session } = await dialSpdy(url, [PortForwardProtocolV1], dial);
  let nextRequestId = 0;
  return {
    session,
    forward: async (port) => {
      const requestId = nextRequestId++;
      const headers = { [PORT_HEADER]: String(port), [REQUEST_ID_HEADER]: String(requestId) };
      const errorStream = await session.openStream({ streamtype: 'error', ...headers });
      errorStream.end();
      const error = readText(errorStream);
      const data = await session.openStream({ streamtype: 'data', ...headers });
      data.on('error', () => {}); // a reset shows as the end of the data; the error stream says why
      return { requestId, data, error };
    },
    close: () => session.close(1_000),
  };
}

function readText(stream: SpdyStream): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => {});
  return new Promise((resolve) => stream.once('end', () => resolve(Buffer.concat(chunks).toString())));
}

/** Forwards one connection's bytes (data) to port in the pod; rejects with the reason it could not. */
export type PortForwarder = (port: number, data: Duplex) => Promise<void>;

/** What a relayed runtime wrote on its error stream: the client gets it as it is, as from upstream's proxying kubelet. */
export class RelayedForwardError extends Error {}

/**
 * A PortForwarder that relays each connection through another port-forward session: the
 * kubelet passing kubectl's connections on to its runtime's streaming server. The runtime's
 * error text becomes this connection's error.
 */
export function relayPortForward(upstream: PortForwardClient): PortForwarder {
  return async (port, data) => {
    const conn = await upstream.forward(port);
    data.pipe(conn.data);
    conn.data.pipe(data, { end: false });
    await new Promise<void>((resolve) => {
      conn.data.once('end', resolve);
      conn.data.once('close', resolve);
    });
    data.unpipe(conn.data);
    const message = await conn.error;
    if (message) throw new RelayedForwardError(message);
  };
}

export interface PortForwardServer {
  /** Resolves when the connection ends. */
  done: Promise<void>;
  close(): void;
}

/** A parsed `port` header, or the message upstream writes when it is not one. */
export function parsePort(value: string | undefined): { port: number } | { error: string } {
  if (!value) return { error: 'port header is required' };
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) return { error: `unable to parse "${value}" as a port: invalid syntax` };
  if (port === 0) return { error: 'port 0 is invalid' };
  return { port };
}

interface Pair { error?: SpdyStream; data?: SpdyStream; timer: NodeJS.Timeout }

/**
 * Serves port-forward on an upgraded connection: each complete stream pair is handed to
 * forward(); a pair left incomplete for streamCreationTimeoutMs is reset. A failed handshake
 * answers its HTTP error and throws UpgradeError.
 */
export function acceptPortForward(req: IncomingMessage, socket: Duplex, head: Buffer, forward: PortForwarder, streamCreationTimeoutMs = 30_000): PortForwardServer {
  const { session } = acceptSpdy(req, socket, head, [PortForwardProtocolV1]);
  return servePortForward(session, forward, streamCreationTimeoutMs);
}

/**
 * Serves port-forward on a SPDY session in the server role, however it was reached: an HTTP
 * upgrade to SPDY/3.1, or SPDY frames tunnelled in a WebSocket (kubectl's PortForwardWebsockets).
 */
export function servePortForward(session: Session, forward: PortForwarder, streamCreationTimeoutMs = 30_000): PortForwardServer {
  const pairs = new Map<string, Pair>();
  session.on('stream', (stream: SpdyStream) => {
    const type = stream.headers.streamtype;
    // Old clients sent no requestID; upstream then pairs by stream id (error = data - 2).
    const id = stream.headers[REQUEST_ID_HEADER] ?? String(type === 'error' ? stream.id : stream.id - 2);
    if (type !== 'error' && type !== 'data') { stream.reset(); return; }
    stream.on('error', () => {});
    stream.reply();
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => { pairs.delete(id); pair?.error?.reset(); pair?.data?.reset(); }, streamCreationTimeoutMs);
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) { stream.reset(); return; }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(id);
      void servePair(pair.error, pair.data, forward);
    }
  });
  return { done: session.done, close: () => session.destroy() };
}

async function servePair(error: SpdyStream, data: SpdyStream, forward: PortForwarder): Promise<void> {
  const parsed = parsePort(data.headers[PORT_HEADER]);
  try {
    if ('error' in parsed) throw new Error(parsed.error);
    await forward(parsed.port, data);
  } catch (err) {
    const message = (err as Error).message;
    error.write(err instanceof RelayedForwardError ? message : `error forwarding port ${data.headers[PORT_HEADER] ?? ''}: ${message}`);
  }
  // Upstream closes both when forwarding ends: FIN on our side of each.
  error.end();
  if (!data.writableEnded) data.end();
}
