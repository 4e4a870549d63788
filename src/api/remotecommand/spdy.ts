// The Kubernetes remotecommand protocol (exec, attach) over SPDY/3.1, both ends: the client as
// client-go's tools/remotecommand streamProtocolV2..V4 speaks it (kubectl's fallback, and the
// kubelet toward a CRI streaming server), the server as the kubelet's remotecommand package
// serves it. The client opens one stream per channel, each with a `streamType` header: error
// first, then stdin, stdout, stderr (not with a TTY), and resize (v3+, with a TTY; JSON
// {"Width":..,"Height":..} values). The server writes the command's Status on the error stream,
// then resets every stream and closes. Unlike WebSocket v4, SPDY can half-close stdin.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import type { Session, SpdyStream } from '../spdy/session.ts';
import { acceptSpdy, dialSpdy, type SpdyDialOptions } from './spdy_upgrade.ts';
import type { TerminalSize } from './types.ts';
import {
  decodeErrorStream, encodeErrorStream, StreamProtocolV1, StreamProtocolV2, StreamProtocolV3, StreamProtocolV4,
  type RemoteCommandStatus,
} from './exitstatus.ts';

/** In order of preference, as client-go offers them and the kubelet accepts them. */
export const SPDY_REMOTECOMMAND_PROTOCOLS = [StreamProtocolV4, StreamProtocolV3, StreamProtocolV2, StreamProtocolV1];

export const STREAM_TYPE_HEADER = 'streamtype';
export const StreamType = { error: 'error', stdin: 'stdin', stdout: 'stdout', stderr: 'stderr', resize: 'resize' } as const;

export type { TerminalSize } from './types.ts';

export interface RemoteCommandOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

export interface RemoteCommandClient {
  protocol: string;
  /** end() half-closes it: the command reads end-of-file. */
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Sends a terminal size (v3+ with a TTY; a no-op otherwise). */
  resize(size: TerminalSize): void;
  /**
   * The command's final Status, once the error stream ends. As in client-go, an error stream
   * that ends empty (a server that closed cleanly without one) is Success; a connection that
   * failed with an error rejects.
   */
  status: Promise<RemoteCommandStatus>;
  close(): void;
}

export interface RemoteCommandServer {
  protocol: string;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Called for each terminal size the client sends. */
  onResize(listener: (size: TerminalSize) => void): void;
  /** Writes the Status on the error stream, ends the output streams, resets the rest and closes. */
  finish(status: RemoteCommandStatus): Promise<void>;
  close(): void;
}

/** The channels the client opens, in upstream's order, for the negotiated protocol. */
export function streamTypesFor(protocol: string, opts: RemoteCommandOptions): string[] {
  const types: string[] = [StreamType.error];
  if (opts.stdin) types.push(StreamType.stdin);
  if (opts.stdout) types.push(StreamType.stdout);
  if (opts.stderr && !opts.tty) types.push(StreamType.stderr);
  if (opts.tty && protocol !== StreamProtocolV1 && protocol !== StreamProtocolV2 && protocol !== '') types.push(StreamType.resize);
  return types;
}

/** The stream options a kubelet exec/attach URL asks for (`stdin=1` from the API server, `true` from clients). */
export function remoteCommandOptionsFromQuery(search: URLSearchParams): RemoteCommandOptions {
  const flag = (name: string) => ['1', 'true'].includes(search.get(name) ?? '');
  const tty = flag('tty');
  // Upstream drops stderr with a TTY: the terminal merges it into stdout.
  return { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') && !tty, tty };
}

/** A remotecommand connection's streams by streamType, before any protocol logic. */
export interface RemoteCommandStreams {
  session: Session;
  protocol: string;
  streams: Map<string, SpdyStream>;
}

/** Dials url and opens the streams opts call for (the client's error stream already half-closed). */
export async function openRemoteCommandStreams(url: string | URL, opts: RemoteCommandOptions, dial: SpdyDialOptions = {}): Promise<RemoteCommandStreams> {
  const { session, protocol } = await dialSpdy(url, SPDY_REMOTECOMMAND_PROTOCOLS, dial);
  return openStreamsOn(session, protocol, opts);
}

/**
 * Opens the streams opts call for on a dialled session (a server starts the command once it has
 * them all); the client's error stream is half-closed at once, as it never writes there.
 */
export async function openStreamsOn(session: Session, protocol: string, opts: RemoteCommandOptions): Promise<RemoteCommandStreams> {
  const streams = new Map<string, SpdyStream>();
  try {
    // All at once, in client-go's order, then every SYN_REPLY: one round trip, not one a stream
    // (the server waits for the set, whatever the order of replies).
    const types = streamTypesFor(protocol, opts);
    const opened = await Promise.all(types.map((type) => openChannel(session, type)));
    types.forEach((type, i) => streams.set(type, opened[i]));
  } catch (err) {
    session.destroy();
    throw err;
  }
  streams.get(StreamType.error)!.end(); // nothing is ever written on it by the client
  return { session, protocol, streams };
}

/** Runs the remotecommand protocol against url (a kubelet exec/attach URL or a CRI streaming URL). */
export async function dialRemoteCommand(url: string | URL, opts: RemoteCommandOptions, dial: SpdyDialOptions = {}): Promise<RemoteCommandClient> {
  const { session, protocol, streams } = await openRemoteCommandStreams(url, opts, dial);
  const resize = streams.get(StreamType.resize);
  const status = readErrorStream(session, protocol, streams.get(StreamType.error)!);
  status.catch(() => {}); // a caller that only reads stdout must not crash on a lost connection
  return {
    protocol,
    stdin: streams.get(StreamType.stdin),
    stdout: streams.get(StreamType.stdout),
    stderr: streams.get(StreamType.stderr),
    resize: (size) => { resize?.write(`${JSON.stringify({ Width: size.Width, Height: size.Height })}\n`); },
    status,
    close: () => session.destroy(),
  };
}

async function openChannel(session: Session, type: string): Promise<SpdyStream> {
  const stream = await session.openStream({ [STREAM_TYPE_HEADER]: type });
  // A write racing the command's exit fails once the server resets the stream; the Status
  // says how the command ended, so such an error is not worth an unhandled 'error'.
  stream.on('error', () => {});
  return stream;
}

async function readErrorStream(session: Session, protocol: string, error: Readable): Promise<RemoteCommandStatus> {
  const chunks: Buffer[] = [];
  error.on('data', (c: Buffer) => chunks.push(c));
  await once(error, 'end');
  const bytes = Buffer.concat(chunks);
  if (!bytes.length && session.error) throw session.error;
  return decodeErrorStream(protocol, bytes);
}

/**
 * Upgrades the connection (http.Server 'upgrade': req, socket, head) and waits until the client
 * has opened every stream opts call for (by default those the URL's query asks for), each
 * replied to; rejects after streamCreationTimeoutMs (30 s, as upstream) or on a failed
 * handshake (UpgradeError, after answering its HTTP error).
 */
export async function acceptRemoteCommandStreams(
  req: IncomingMessage, socket: Duplex, head: Buffer,
  opts?: RemoteCommandOptions, streamCreationTimeoutMs = 30_000,
): Promise<RemoteCommandStreams> {
  const { session, protocol } = acceptSpdy(req, socket, head, SPDY_REMOTECOMMAND_PROTOCOLS);
  const options = opts ?? remoteCommandOptionsFromQuery(new URL(req.url ?? '/', 'http://x').searchParams);
  try {
    return { session, protocol, streams: await waitForStreams(session, streamTypesFor(protocol, options), streamCreationTimeoutMs) };
  } catch (err) {
    session.destroy();
    throw err;
  }
}

/** Serves the remotecommand protocol on an upgraded connection; see acceptRemoteCommandStreams. */
export async function acceptRemoteCommand(
  req: IncomingMessage, socket: Duplex, head: Buffer,
  opts?: RemoteCommandOptions, streamCreationTimeoutMs = 30_000,
): Promise<RemoteCommandServer> {
  const { session, protocol, streams } = await acceptRemoteCommandStreams(req, socket, head, opts, streamCreationTimeoutMs);
  return serverEnd(session, protocol, streams);
}

/** The server's end of a session, as the kubelet's conn.Close: FIN what we wrote, reset every stream, close. */
export async function closeServerStreams({ session, streams }: Omit<RemoteCommandStreams, 'protocol'>): Promise<void> {
  const ending = [StreamType.error, StreamType.stdout, StreamType.stderr]
    .map((t) => streams.get(t))
    .filter((s): s is SpdyStream => !!s && !s.writableEnded);
  await Promise.all(ending.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  for (const s of streams.values()) s.reset();
  await session.close(1_000);
}

function waitForStreams(session: Session, expected: string[], timeoutMs: number): Promise<Map<string, SpdyStream>> {
  const streams = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => { cleanup(); reject(err); };
    const timer = setTimeout(() => fail(new Error(`timed out waiting for client to create streams (${[...streams.keys()].join(',')} of ${expected.join(',')})`)), timeoutMs);
    const onClose = () => fail(new Error('connection closed before the client created its streams'));
    const onStream = (stream: SpdyStream) => {
      const type = stream.headers[STREAM_TYPE_HEADER] ?? '';
      if (!expected.includes(type) || streams.has(type)) {
        stream.reset();
        fail(new Error(`unexpected stream type: ${JSON.stringify(type)}`));
        return;
      }
      stream.on('error', () => {});
      stream.reply();
      streams.set(type, stream);
      if (streams.size === expected.length) { cleanup(); resolve(streams); }
    };
    const cleanup = () => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      // Later streams are refused: the session has none to give them to.
      session.on('stream', (s: SpdyStream) => s.reset());
    };
    session.on('stream', onStream);
    session.once('close', onClose);
  });
}

function serverEnd(session: Session, protocol: string, streams: Map<string, SpdyStream>): RemoteCommandServer {
  const error = streams.get(StreamType.error)!;
  const stdout = streams.get(StreamType.stdout);
  const stderr = streams.get(StreamType.stderr);
  return {
    protocol,
    stdin: streams.get(StreamType.stdin),
    stdout,
    stderr,
    onResize: (listener) => {
      const resize = streams.get(StreamType.resize);
      if (resize) readResizes(resize, listener);
    },
    finish: async (status) => {
      if (!error.writableEnded) error.write(encodeErrorStream(protocol, status));
      await closeServerStreams({ session, streams });
    },
    close: () => session.destroy(),
  };
}

/** Newline-delimited TerminalSize JSON values out of a byte buffer: those complete, and the rest. */
export function parseResizes(buf: string): { sizes: TerminalSize[]; rest: string } {
  const lines = buf.split('\n');
  const rest = lines.pop() ?? '';
  const sizes: TerminalSize[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as Partial<TerminalSize>;
      if (Number.isInteger(v.Width) && Number.isInteger(v.Height)) sizes.push({ Width: v.Width!, Height: v.Height! });
    } catch { /* a malformed size is skipped, as upstream logs and goes on */ }
  }
  return { sizes, rest };
}

function readResizes(stream: Readable, listener: (size: TerminalSize) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const { sizes, rest } = parseResizes(pending + chunk);
    pending = rest;
    sizes.forEach(listener);
  });
}
