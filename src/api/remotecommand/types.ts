// The remote command protocol's shared vocabulary, as upstream's
// k8s.io/apimachinery/pkg/util/remotecommand and the CRI streaming server's options: the stream
// channels, terminal sizes, the options an exec or attach request carries, and the session every
// transport (WebSocket, SPDY) offers. The error channel's Status is exitstatus.ts's.
import { failureStatus, type RemoteCommandStatus } from './exitstatus.ts';

/** The newest channel protocol (remotecommand.StreamProtocolV5Name); v1-v4 are exitstatus.ts's. */
export const StreamProtocolV5Name = 'v5.channel.k8s.io';

/** The stream channels of the channel protocol; 255 is v5's CLOSE of one stream. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** A terminal's size as the resize stream carries it (remotecommand.TerminalSize). */
export interface TerminalSize {
  Width: number;
  Height: number;
}

/** Which streams a session carries (remotecommandserver.Options). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const truthy = (v: string | null): boolean => v === '1' || v === 'true';

/**
 * The streams an exec or attach request asks for, as upstream's NewOptions reads them (the API
 * server sends "1", kubectl "true"): a TTY folds stderr into stdout, and at least one stream is
 * needed. Throws an Error with code 400 otherwise.
 */
export function parseStreamOptions(q: URLSearchParams): StreamOptions {
  const tty = truthy(q.get('tty'));
  const o = { stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')) && !tty, tty };
  if (!o.stdin && !o.stdout && !o.stderr) throw Object.assign(new Error('you must specify at least 1 of stdin, stdout, stderr'), { code: 400 });
  return o;
}

/** A session that could not start, as upstream's translator reports it on the error stream. */
export function internalErrorStatus(message: string): RemoteCommandStatus {
  return failureStatus(`Internal error occurred: ${message}`);
}

/** What a transport hands the session's owner: frames per stream, one stream's close, the end. */
export interface SessionHandlers {
  data(channel: number, data: Buffer): void;
  /** The peer closed one stream (v5's CLOSE); stdin's means end-of-file for the command. */
  streamClosed(channel: number): void;
  closed(): void;
}

/**
 * One remote command session over any transport: the WebSocket channel protocol today, SPDY
 * streams later. Frames that arrive before listen() wait for it.
 */
export interface StreamSession {
  readonly protocol: string;
  /** Whether closeStream reaches the peer (v5 only: v4 has no way to close one stream). */
  readonly canCloseStream: boolean;
  listen(h: SessionHandlers): void;
  /** Sends one frame; false when the peer is behind: then write more only after onDrained. */
  write(channel: number, data: Uint8Array): boolean;
  /** Calls back (once) when what was written has gone out, or at once if nothing waits. */
  onDrained(cb: () => void): void;
  /** Stops delivering received frames (the other side of a bridge is behind), and starts again. */
  pause(): void;
  resume(): void;
  closeStream(channel: number): void;
  close(): void;
}
