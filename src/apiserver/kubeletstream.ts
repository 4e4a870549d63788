// pods/exec, pods/attach and pods/portforward, as upstream's ExecREST, AttachREST and
// PortForwardREST: the request is checked (the pod, its container, its node), then the client's
// upgrade is tunnelled to the node's kubelet (/exec|/attach/{namespace}/{pod}/{container},
// /portForward/{namespace}/{pod}) with the API server's kubelet-client certificate,
// as upstream's UpgradeAwareHandler does: once the kubelet answers 101 the bytes flow both ways
// unread, so whichever protocol the kubelet and kubectl agree on (the WebSocket channel protocol
// today) passes unchanged. A kubelet's refusal becomes a Status (kubeletresponse.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';
import { errors } from '../api/errors.ts';
import type { Pod } from '../api/core/index.ts';
import { isUpgrade } from '../api/httpupgrade.ts';
import { boolParam } from '../api/queryparams.ts';
import type { RequestInfo } from './http/requestinfo.ts';
import { kubeletAddress, logContainer, type KubeletProxyDeps } from './kubeletproxy.ts';
import { kubeletErrorStatus, MAX_ERROR_BODY } from './kubeletresponse.ts';

export type StreamKind = 'exec' | 'attach' | 'portforward';

/** The request headers an upgrade needs on the kubelet's side (never the client's credentials). */
const upgradeHeaders = ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'x-stream-protocol-version', 'user-agent'];

/**
 * The kubelet's path for a PodExecOptions or PodAttachOptions query, as upstream's streamLocation
 * and streamParams: the container named or the pod's only one, the streams as "1", the command.
 */
export function streamLocation(pod: Pod, kind: StreamKind, query: URLSearchParams): string {
  const name = pod.metadata.name!;
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  // Port-forward names the pod, not a container; each connection carries its port (portForwardLocation).
  if (kind === 'portforward') return `/portForward/${encodeURIComponent(pod.metadata.namespace ?? 'default')}/${encodeURIComponent(name)}`;
  const container = logContainer(pod, query.get('container'));
  const params = new URLSearchParams();
  for (const p of ['stdin', 'stdout', 'stderr', 'tty']) if (boolParam(query, p)) params.append(p, '1');
  if (kind === 'exec') for (const c of query.getAll('command')) params.append('command', c);
  const segments = [kind, pod.metadata.namespace ?? 'default', name, container].map(encodeURIComponent);
  return `/${segments.join('/')}?${params}`;
}

/** A 101's head as the kubelet sent it, for the client's socket. */
function switchingProtocolsHead(rawHeaders: string[]): string {
  let head = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Joins two sockets until either ends. */
function splice(a: Socket, b: Socket): void {
  // Small frames (a keystroke, a SPDY WINDOW_UPDATE) go at once: Nagle would hold each one
  // back until the peer's delayed ACK, some 40 ms, and a windowed transfer would crawl.
  a.setNoDelay(true);
  b.setNoDelay(true);
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.once('close', end);
  b.once('close', end);
  a.on('error', end);
  b.on('error', end);
}

function readAll(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c.subarray(0, limit - size));
      size += c.length;
    });
    const done = () => resolve(Buffer.concat(chunks).toString('utf8').trim());
    res.on('end', done);
    res.on('error', done);
  });
}

function writeStatus(res: ServerResponse, err: { code: number; toStatus(): object }): void {
  res.writeHead(err.code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(err.toStatus()));
}

export function createKubeletStreamer(d: KubeletProxyDeps) {
  const agent = new Agent({ ca: d.caPem, cert: d.clientCertPem, key: d.clientKeyPem, keepAlive: false });

  return async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> => {
    const kind = info.subresource as StreamKind;
    const pod = await d.pods.get(info.namespace, info.name);
    const path = streamLocation(pod, kind, query);
    if (!isUpgrade(req)) throw errors.badRequest('Upgrade request required');
    const node = await d.nodes.get('', pod.spec!.nodeName!);
    const { host, port } = kubeletAddress(node);
    const headers: Record<string, string[]> = {};
    for (const h of upgradeHeaders) if (req.headersDistinct[h]) headers[h] = req.headersDistinct[h]!;
    await new Promise<void>((resolve) => {
      const upstream = request({ host, port, path, method: req.method, agent, servername: node.metadata.name, headers });
      req.socket.once('close', () => upstream.destroy());
      upstream.on('upgrade', (kres, ksocket, khead) => {
        req.socket.write(switchingProtocolsHead(kres.rawHeaders));
        if (khead.length) req.socket.write(khead);
        splice(req.socket, ksocket);
        resolve();
      });
      upstream.on('response', (kres) => {
        // The kubelet refused the upgrade: its plain-text answer becomes a Status.
        void readAll(kres, MAX_ERROR_BODY).then((body) => {
          writeStatus(res, kubeletErrorStatus(kres.statusCode ?? 502, body, { group: '', resource: `pods/${kind}` }, info.name));
          resolve();
        });
      });
      upstream.on('error', (e) => {
        if (!res.headersSent) writeStatus(res, errors.internal(`error trying to reach the kubelet of node ${node.metadata.name}: ${e.message}`));
        else req.socket.destroy();
        resolve();
      });
      upstream.end();
    });
  };
}
