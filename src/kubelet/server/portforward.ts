// The kubelet's /portForward/{namespace}/{pod}[/{podUID}] (upstream's getPortForward). kubectl
// 1.32 first offers a WebSocket with subprotocol SPDY/3.1+portforward.k8s.io, SPDY frames
// tunnelled in binary messages (PortForwardWebsockets; upstream's API server unwraps it, here
// the API server passes the bytes through and the kubelet serves both), and falls back to a
// plain SPDY/3.1 upgrade (portforward.k8s.io). Either way each forwarded connection, a pair of
// streams, is relayed through one port-forward session to the runtime's streaming server.
import type { IncomingMessage } from 'node:http';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { isUpgrade } from '../../api/httpupgrade.ts';
import { isWebSocketRequest, offeredProtocols } from '../../api/remotecommand/websocket.ts';
import { dialPortForward, PortForwardProtocolV1, relayPortForward, servePortForward, type PortForwardClient, type PortForwarder } from '../../api/remotecommand/spdy_portforward.ts';
import { acceptSpdy, spdyHandshake } from '../../api/remotecommand/spdy_upgrade.ts';
import { Session } from '../../api/spdy/session.ts';
import type { PodRef, StreamingHost } from '../kuberuntime/streaming.ts';
import { httpError, runtimeError } from './streaming.ts';

/** kubectl's subprotocol for SPDY tunnelled in a WebSocket. */
export const PortForwardWebsocketProtocol = 'SPDY/3.1+portforward.k8s.io';

/** /portForward/{namespace}/{pod}[/{podUID}]; undefined for any other path. */
export function parsePortForwardPath(path: string): PodRef | undefined {
  const parts = path.split('/').slice(1).map(decodeURIComponent);
  if (parts[0] !== 'portForward' || !parts.slice(1).every(Boolean)) return undefined;
  if (parts.length === 3) return { namespace: parts[1], pod: parts[2] };
  if (parts.length === 4) return { namespace: parts[1], pod: parts[2], podUID: parts[3] };
  return undefined;
}

/**
 * Forwards each connection through one session to the runtime, dialled with the first
 * connection (a client that forwards nothing costs the runtime nothing) and closed with the
 * client's. When the runtime ends that session the client's ends too, as upstream's proxied
 * connection does.
 */
function runtimeRelay(url: string, client: { done: Promise<void>; close(): void }): PortForwarder {
  let upstream: Promise<PortForwardClient> | undefined;
  void client.done.then(async () => (await upstream?.catch(() => undefined))?.close());
  return async (port, data) => {
    upstream ??= dialPortForward(url).then((u) => {
      void u.session.done.finally(() => client.close());
      return u;
    });
    return relayPortForward(await upstream)(port, data);
  };
}

/** How often a port-forward session looks whether its pod is still there (a map lookup). */
const POD_CHECK_INTERVAL_MS = 1_000;

/**
 * Serves a session, relaying to the runtime at url (the relay is made once the server exists:
 * it closes it). The session ends once the pod is deleted, so kubectl says "lost connection to
 * pod" then, not only at its next connection as upstream's kubelet leaves it.
 */
function serveRelayed(session: Session, target: RuntimeTarget, host: StreamingHost): void {
  let relay: PortForwarder = () => Promise.reject(new Error('not ready'));
  const server = servePortForward(session, (port, data) => relay(port, data));
  relay = runtimeRelay(target.url, { done: server.done, close: () => server.close() });
  const check = setInterval(() => host.hasPod(target.podUID) || server.close(), POD_CHECK_INTERVAL_MS);
  check.unref();
  void server.done.finally(() => clearInterval(check));
}

type RuntimeTarget = Awaited<ReturnType<StreamingHost['getPortForward']>>;

function acceptTunnel(req: IncomingMessage, target: RuntimeTarget, host: StreamingHost): void {
  // ws refuses a subprotocol that is not an RFC 7230 token, and this one has a '/': the header is
  // taken out before ws reads it and our choice written into the 101 ourselves.
  delete req.headers['sec-websocket-protocol'];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${PortForwardWebsocketProtocol}`));
  wss.handleUpgrade(req, req.socket, Buffer.alloc(0), (ws) => {
    const tunnel = createWebSocketStream(ws);
    tunnel.on('error', () => tunnel.destroy());
    serveRelayed(new Session(tunnel, { role: 'server' }), target, host);
  });
}

/** Serves one port-forward request (already authorized); errors before the upgrade are thrown with their HTTP code. */
export async function servePortForwardRequest(req: IncomingMessage, ref: PodRef, host: StreamingHost): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') throw httpError(405, 'Method Not Allowed');
  if (!isUpgrade(req)) throw httpError(400, 'unable to upgrade: missing upgrade headers in request');
  const tunnelled = isWebSocketRequest(req.headers);
  if (tunnelled && !offeredProtocols(req.headers).includes(PortForwardWebsocketProtocol)) {
    throw httpError(400, `unable to upgrade: unable to negotiate protocol: client supports [${offeredProtocols(req.headers).join(' ')}], server supports [${PortForwardWebsocketProtocol}]`);
  }
  if (!tunnelled) {
    const handshake = spdyHandshake(req.headers, [PortForwardProtocolV1]);
    if (!handshake.ok) throw httpError(handshake.statusCode, handshake.message);
  }
  const target = await host.getPortForward(ref).catch((e: Error) => Promise.reject(runtimeError(e)));
  if (tunnelled) return acceptTunnel(req, target, host);
  serveRelayed(acceptSpdy(req, req.socket, Buffer.alloc(0), [PortForwardProtocolV1]).session, target, host);
}
