// The remote command protocol's shared vocabulary, as upstream's
// k8s.io/apimachinery/pkg/util/remotecommand and the CRI streaming server's options: the stream
// channels, the error channel's Status (with the exit code), terminal sizes, the options an exec
// or attach request carries, and the session every transport (WebSocket, SPDY) offers.

/** The channel protocols, newest first (remotecommand.StreamProtocolV*Name). */
export const StreamProtocolV5Name = 'v5.channel.k8s.io';
export const StreamProtocolV4Name = 'v4.channel.k8s.io';

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

/** The metav1.Status the error stream carries at the end of a command. */
export interface RemoteStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** remotecommandconsts: the Status reason and cause type that carry a command's exit code. */
export const NonZeroExitCodeReason = 'NonZeroExitCode';
export const ExitCodeCauseType = 'ExitCode';

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

export function successStatus(): RemoteStatus {
  return { metadata: {}, status: 'Success' };
}

/** The Status a command that exited with `code` ends with (upstream's CodeExitError answer). */
export function exitCodeStatus(code: number, message = `command terminated with non-zero exit code: exit status ${code}`): RemoteStatus {
  return {
    metadata: {},
    status: 'Failure',
    message,
    reason: NonZeroExitCodeReason,
    details: { causes: [{ reason: ExitCodeCauseType, message: String(code) }] },
  };
}

/** A session that could not start, as upstream's translator reports it on the error stream. */
export function internalErrorStatus(message: string): RemoteStatus {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', code: 500 };
}

/** The error stream's bytes as a Status; undefined when they are not one. */
export function decodeStatus(bytes: Uint8Array): RemoteStatus | undefined {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<RemoteStatus> | null;
    return v && (v.status === 'Success' || v.status === 'Failure') ? (v as RemoteStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** What a client makes of the final Status: 0 for Success, the exit code, or undefined for another failure. */
export function exitCodeOf(status: RemoteStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== NonZeroExitCodeReason) return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === ExitCodeCauseType);
  const code = cause?.message !== undefined ? Number.parseInt(cause.message, 10) : NaN;
  return Number.isInteger(code) ? code : undefined;
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
