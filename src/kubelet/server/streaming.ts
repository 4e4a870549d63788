// The kubelet's streaming endpoints, as upstream's getExec, getAttach and getRun
// (pkg/kubelet/server/server.go): /exec and /attach/{namespace}/{pod}[/{podUID}]/{container}
// accept the client's WebSocket (v5.channel.k8s.io, else v4) or SPDY/3.1 (kubectl's fallback)
// and bridge it to the runtime's streaming server through a RemoteCommandBackend (SPDY, as
// upstream's kubelet; the kubelet never redirects the client);
// /run runs `cmd` once through CRI ExecSync and answers its output.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUpgrade } from '../../api/httpupgrade.ts';
import { acceptWebSocket, isWebSocketRequest, negotiateProtocol, offeredProtocols, serverProtocols } from '../../api/remotecommand/websocket.ts';
import { Channel, internalErrorStatus, parseStreamOptions, type StreamOptions, type StreamSession } from '../../api/remotecommand/types.ts';
import { sameErrorEncoding, translateErrorStream } from '../../api/remotecommand/exitstatus.ts';
import { acceptSpdyChannels, connectSpdyChannels, type ChannelSession } from '../../api/remotecommand/spdy_channels.ts';
import { SPDY_REMOTECOMMAND_PROTOCOLS } from '../../api/remotecommand/spdy.ts';
import { spdyHandshake } from '../../api/remotecommand/spdy_upgrade.ts';
import type { ContainerRef, StreamingHost } from '../kuberuntime/streaming.ts';

/** How the kubelet reaches the runtime's streaming server for one session: connect, then open the streams (which start the command). */
export interface RemoteCommandBackend {
  connect(url: string): Promise<{ open(opts: StreamOptions): Promise<StreamSession>; close(): void }>;
}

/** A session without flow control of its own (SPDY channels): writes are never held back. */
function unpaced(s: ChannelSession): StreamSession {
  return {
    protocol: s.protocol,
    canCloseStream: s.canCloseStream,
    listen: (h) => s.listen(h),
    write: (channel, data) => (s.write(channel, data), true),
    onDrained: (cb) => cb(),
    pause: () => {},
    resume: () => {},
    closeStream: (channel) => s.closeStream(channel),
    close: () => s.close(),
  };
}

/** containerd's streaming server over SPDY/3.1 (as upstream's kubelet): stdin's end reaches the command. */
export const spdyBackend: RemoteCommandBackend = {
  connect: async (url) => {
    const pending = await connectSpdyChannels(url);
    return { open: async (opts) => unpaced(await pending.open(opts)), close: () => pending.close() };
  },
};

export interface StreamingDeps {
  host: StreamingHost;
  backend: RemoteCommandBackend;
}

export type StreamingRequest = { kind: 'exec' | 'attach' | 'run'; ref: ContainerRef };

/** /exec|/attach|/run/{namespace}/{pod}[/{podUID}]/{container}; undefined for any other path. */
export function parseStreamingPath(path: string): StreamingRequest | undefined {
  const parts = path.split('/').slice(1).map(decodeURIComponent);
  const kind = parts[0];
  if (kind !== 'exec' && kind !== 'attach' && kind !== 'run') return undefined;
  if (parts.length === 4 && parts.every(Boolean)) return { kind, ref: { namespace: parts[1], pod: parts[2], container: parts[3] } };
  if (parts.length === 5 && parts.every(Boolean)) return { kind, ref: { namespace: parts[1], pod: parts[2], podUID: parts[3], container: parts[4] } };
  return undefined;
}

/**
 * Joins the client's session to the runtime's: stdin and resize go in, stdout, stderr and the
 * error stream come out (with flow control), stdin's CLOSE is passed on where the runtime's protocol has it, and the
 * end of either side ends the other (the container keeps running: only the session ends).
 */
export function bridge(client: StreamSession, runtime: StreamSession): void {
  // A side that is behind pauses the other until what it was sent has gone out.
  const forward = (from: StreamSession, to: StreamSession, channel: number, data: Buffer) => {
    // An empty frame carries nothing (the runtime's first one only says "ready").
    if (data.length === 0 || to.write(channel, data)) return;
    from.pause();
    to.onDrained(() => from.resume());
  };
  client.listen({
    data: (channel, data) => {
      if (channel === Channel.stdin || channel === Channel.resize) forward(client, runtime, channel, data);
    },
    streamClosed: (channel) => {
      if (channel === Channel.stdin) runtime.closeStream(channel);
    },
    closed: () => runtime.close(),
  });
  // A pre-v4 client reads the error channel as text, the runtime writes a Status: then the
  // channel is gathered and translated once it ends.
  const translating = !sameErrorEncoding(runtime.protocol, client.protocol);
  const errorChunks: Buffer[] = [];
  let errorEnded = false;
  const endErrorChannel = () => {
    if (!translating || errorEnded) return;
    errorEnded = true;
    const text = translateErrorStream(runtime.protocol, client.protocol, Buffer.concat(errorChunks));
    if (text.length) client.write(Channel.error, text);
  };
  runtime.listen({
    data: (channel, data) => {
      if (channel === Channel.error && translating) errorChunks.push(data);
      else if (channel === Channel.stdout || channel === Channel.stderr || channel === Channel.error) forward(runtime, client, channel, data);
    },
    streamClosed: (channel) => {
      if (channel === Channel.error) endErrorChannel();
    },
    closed: () => {
      endErrorChannel();
      client.close();
    },
  });
}

export const httpError = (code: number, message: string) => Object.assign(new Error(message), { code });

/** A CRI error as upstream's streaming.WriteError answers it: NotFound 404, ResourceExhausted 429, else 500. */
export function runtimeError(e: Error & { code?: number; details?: string }): Error {
  if (typeof e.code === 'number' && e.code >= 400) return e;
  const code = e.code === 5 ? 404 : e.code === 8 ? 429 : 500;
  return httpError(code, e.details ?? e.message);
}

type Transport = 'websocket' | 'spdy';

/** Which transport the client asks for, or why it cannot be served (upstream's codes and messages). */
function transportOf(req: IncomingMessage): Transport | { code: number; message: string } {
  if (!isUpgrade(req)) return { code: 400, message: 'unable to upgrade: missing upgrade headers in request' };
  if (!isWebSocketRequest(req.headers)) {
    const spdy = spdyHandshake(req.headers, SPDY_REMOTECOMMAND_PROTOCOLS);
    return spdy.ok ? 'spdy' : { code: spdy.statusCode, message: spdy.message };
  }
  const offered = offeredProtocols(req.headers);
  // A client that offers no protocol gets the pre-v4 binary one, as from upstream's kubelet.
  if (offered.length && !negotiateProtocol(offered, serverProtocols)) {
    return { code: 400, message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${serverProtocols.join(' ')}]` };
  }
  return 'websocket';
}

/** Completes the client's upgrade: a WebSocket (v5, else v4), or SPDY/3.1 once it has opened its streams. */
async function acceptClient(req: IncomingMessage, transport: Transport, opts: StreamOptions): Promise<StreamSession> {
  if (transport === 'websocket') return acceptWebSocket(req, req.socket, Buffer.alloc(0));
  return unpaced(await acceptSpdyChannels(req, req.socket, Buffer.alloc(0), opts));
}

async function run(res: ServerResponse, req: IncomingMessage, url: URL, ref: ContainerRef, d: StreamingDeps): Promise<void> {
  if (req.method !== 'POST') throw httpError(405, 'Method Not Allowed');
  // For legacy reasons, run reads `cmd` (split at spaces) where exec reads `command`.
  const cmd = (url.searchParams.get('cmd') ?? '').split(' ');
  const out = await d.host.runInContainer(ref, cmd).catch((e: Error) => Promise.reject(runtimeError(e)));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': out.length });
  res.end(out);
}

/** Serves one streaming request (already authorized); errors are thrown with their HTTP code. */
export async function serveStreaming(req: IncomingMessage, res: ServerResponse, url: URL, r: StreamingRequest, d: StreamingDeps): Promise<void> {
  if (r.kind === 'run') return run(res, req, url, r.ref, d);
  if (req.method !== 'GET' && req.method !== 'POST') throw httpError(405, 'Method Not Allowed');
  let opts: StreamOptions;
  try {
    opts = parseStreamOptions(url.searchParams);
  } catch (e) {
    throw httpError(400, (e as Error).message);
  }
  const transport = transportOf(req);
  const target = r.kind === 'exec'
    ? await d.host.getExec(r.ref, url.searchParams.getAll('command'), opts).catch((e: Error) => Promise.reject(runtimeError(e)))
    : await d.host.getAttach(r.ref, opts).catch((e: Error) => Promise.reject(runtimeError(e)));
  if (typeof transport !== 'string') throw httpError(transport.code, transport.message);
  // The runtime's connection is made while the client's is accepted; its streams, which start
  // the command, only after: by then kubectl has its own (it drops frames for streams it has not
  // made yet), as with upstream's translator.
  const connecting = d.backend.connect(target);
  connecting.catch(() => {}); // reported below, once the client can be told
  let client: StreamSession;
  try {
    client = await acceptClient(req, transport, opts);
  } catch (e) {
    void connecting.then((c) => c.close(), () => {});
    throw e;
  }
  let runtime: StreamSession;
  try {
    runtime = await (await connecting).open(opts);
  } catch (e) {
    client.write(Channel.error, Buffer.from(JSON.stringify(internalErrorStatus(`error dialing the runtime's streaming server: ${(e as Error).message}`))));
    return client.close();
  }
  bridge(client, runtime);
}
