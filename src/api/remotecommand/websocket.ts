// The channel protocol over WebSockets (upstream's wsstream and client-go's websocket executor):
// every message is one channel and that stream's bytes, binary (a channel byte, then the bytes)
// or, for the base64 protocols browsers use, text (the channel as a digit, then the bytes in
// base64). v5 adds the CLOSE message (channel 255, payload the closed stream's channel) so
// stdin's end-of-file reaches the command; before v4 the error channel carries plain text, not a
// Status (exitstatus.ts). The frames are pure functions; the session, the server's accept and
// the client's dial are the thin effectful part, over the `ws` package.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type ClientOptions, type RawData } from 'ws';
import { StreamProtocolV1, StreamProtocolV4 } from './exitstatus.ts';
import { Channel, StreamProtocolV5Name, type SessionHandlers, type StreamSession } from './types.ts';

/** The base64 variants (wsstream's base64Codec). */
export const Base64ProtocolV1 = 'base64.channel.k8s.io';
export const Base64ProtocolV4 = 'v4.base64.channel.k8s.io';

/**
 * The protocols this side serves, preferred first: upstream's kubelet set. A client that offers
 * none gets the binary pre-v4 protocol, as upstream's (negotiated as '').
 */
export const serverProtocols = [StreamProtocolV5Name, StreamProtocolV4, Base64ProtocolV4, StreamProtocolV1, Base64ProtocolV1] as const;

export type Frame = { kind: 'data'; channel: number; data: Buffer } | { kind: 'close'; channel: number };

/** Whether a protocol frames its messages as base64 text. */
export const isBase64Protocol = (protocol: string) => protocol === Base64ProtocolV1 || protocol === Base64ProtocolV4;

/** One channel's bytes as a base64 protocol's text message: the channel's digit, then base64. */
export function encodeBase64Frame(channel: number, data: Uint8Array): string {
  return String.fromCharCode(48 + channel) + Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64');
}

/** One channel's bytes as a binary message: the channel byte, then the bytes. */
export function encodeFrame(channel: number, data: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(data.length + 1);
  frame[0] = channel;
  frame.set(data, 1);
  return frame;
}

/** v5's CLOSE of one stream. */
export function encodeClose(channel: number): Buffer {
  return Buffer.from([Channel.close, channel]);
}

/**
 * A received message as a frame: undefined for an empty message (upstream skips them; the
 * server's first empty write only says "ready"); CLOSE only where the protocol has it; a base64
 * message as the digit of its channel and its decoded bytes.
 */
export function decodeFrame(message: Buffer, protocol: string): Frame | undefined {
  if (message.length === 0) return undefined;
  if (isBase64Protocol(protocol)) {
    const channel = message[0] - 48;
    return { kind: 'data', channel, data: Buffer.from(message.subarray(1).toString('latin1'), 'base64') };
  }
  const channel = message[0];
  if (channel === Channel.close && protocol === StreamProtocolV5Name) {
    return message.length > 1 ? { kind: 'close', channel: message[1] } : undefined;
  }
  return { kind: 'data', channel, data: message.subarray(1) };
}

/** The first protocol the client offers that the server speaks (upstream's NegotiateProtocol). */
export function negotiateProtocol(offered: Iterable<string>, supported: readonly string[]): string | undefined {
  for (const p of offered) if (supported.includes(p.trim())) return p.trim();
  return undefined;
}

/** Whether a request asks for a WebSocket (wsstream.IsWebSocketRequest). */
export function isWebSocketRequest(headers: IncomingMessage['headers']): boolean {
  const connection = String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim());
  return connection.includes('upgrade') && String(headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The protocols a WebSocket request offers (Sec-WebSocket-Protocol, comma-separated). */
export function offeredProtocols(headers: IncomingMessage['headers']): string[] {
  return String(headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** How many written bytes may wait to go out before write() asks the writer to wait. */
export const HIGH_WATER_MARK = 1 << 20;

/** A StreamSession over one open WebSocket. */
export class WebSocketSession implements StreamSession {
  readonly protocol: string;
  readonly canCloseStream: boolean;
  private handlers?: SessionHandlers;
  private pending: Frame[] = [];
  private ended = false;
  private unsent = 0;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly ws: WebSocket) {
    this.protocol = ws.protocol;
    this.canCloseStream = ws.protocol === StreamProtocolV5Name;
    ws.on('message', (data) => {
      const frame = decodeFrame(toBuffer(data), this.protocol);
      if (!frame) return;
      if (this.handlers) this.deliver(frame);
      else this.pending.push(frame);
    });
    ws.on('close', () => this.end());
    ws.on('error', () => this.end());
  }

  listen(h: SessionHandlers): void {
    this.handlers = h;
    for (const frame of this.pending.splice(0)) this.deliver(frame);
    if (this.ended) h.closed();
  }

  write(channel: number, data: Uint8Array): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return true;
    const frame = isBase64Protocol(this.protocol) ? encodeBase64Frame(channel, data) : encodeFrame(channel, data);
    this.unsent += frame.length;
    this.ws.send(frame, () => {
      this.unsent -= frame.length;
      if (this.unsent < HIGH_WATER_MARK) this.drained();
    });
    return this.unsent < HIGH_WATER_MARK;
  }

  onDrained(cb: () => void): void {
    if (this.unsent < HIGH_WATER_MARK || this.ended) cb();
    else this.drainWaiters.push(cb);
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  closeStream(channel: number): void {
    if (this.canCloseStream && this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeClose(channel));
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  private deliver(frame: Frame): void {
    if (frame.kind === 'close') this.handlers!.streamClosed(frame.channel);
    else this.handlers!.data(frame.channel, frame.data);
  }

  private drained(): void {
    for (const cb of this.drainWaiters.splice(0)) cb();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.drained();
    this.handlers?.closed();
  }
}

/**
 * Completes a WebSocket upgrade the caller has checked (isWebSocketRequest, a protocol in common):
 * the 101 goes out with the negotiated protocol.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, supported: readonly string[] = serverProtocols): Promise<WebSocketSession> {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => negotiateProtocol(offered, supported) ?? false,
  });
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(new WebSocketSession(ws))));
}

/** An answer other than 101 to a dial: its status code and body, as an Error with `code`. */
export class UpgradeFailure extends Error {
  constructor(readonly code: number, readonly body: string) {
    super(body || `unable to upgrade connection: ${code}`);
  }
}

/** Opens a client session to a streaming server (an http(s) or ws(s) URL), offering `protocols`. */
export function dialWebSocket(url: string, protocols: readonly string[], opts: ClientOptions = {}): Promise<WebSocketSession> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), [...protocols], { perMessageDeflate: false, ...opts });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new WebSocketSession(ws)));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new UpgradeFailure(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8').trim())));
      res.on('error', () => reject(new UpgradeFailure(res.statusCode ?? 500, '')));
    });
    ws.once('error', reject);
  });
}
