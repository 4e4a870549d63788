// Proxies to kubelets: pods/log (what `kubectl logs` reads) and nodes/proxy. The API server calls
// the node's kubelet at its InternalIP and daemon endpoint port with its kubelet-client
// certificate, and verifies the kubelet's serving certificate against the cluster CA.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import { isWebSocketRequest } from '../api/remotecommand/websocket.ts';
import { serveReaderOverWebSocket } from '../api/remotecommand/wsreader.ts';
import { errors } from '../api/errors.ts';
import type { Node, Pod } from '../api/core/index.ts';
import { logQueryString, parseLogQuery } from '../api/queryparams.ts';
import type { ResourceClient } from './client.ts';
import type { RequestInfo } from './http/requestinfo.ts';
import { kubeletErrorStatus, kubeletOk, MAX_ERROR_BODY } from './kubeletresponse.ts';

/** For a subresource that turns a failed kubelet answer into a Status: its resource and object name. */
interface StatusOnError {
  resource: { group: string; resource: string };
  name: string;
}

/** Reads at most `limit` bytes of a response's body. */
function readBody(kres: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    kres.on('data', (c: Buffer) => {
      if (size >= limit) return;
      chunks.push(c.subarray(0, limit - size));
      size += Math.min(c.length, limit - size);
    });
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    kres.on('end', done);
    kres.on('error', done);
    kres.on('close', done);
  });
}

export interface KubeletProxyDeps {
  pods: Pick<ResourceClient<Pod>, 'get'>;
  nodes: Pick<ResourceClient<Node>, 'get'>;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** The kubelet's address of a node: InternalIP (else Hostname) and the kubelet endpoint port. */
export function kubeletAddress(node: Node): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  const host = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'Hostname')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port) throw errors.badRequest(`node "${node.metadata.name}" has no kubelet address yet`);
  return { host, port };
}

/** Which container pods/log reads: the one named, or the pod's only one. */
export function logContainer(pod: Pod, wanted: string | null): string {
  const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
  if (wanted) {
    if (!names.includes(wanted)) throw errors.badRequest(`container ${wanted} is not valid for pod ${pod.metadata.name}`);
    return wanted;
  }
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  if (containers.length === 1) return containers[0];
  throw errors.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
}

export function createKubeletProxy(d: KubeletProxyDeps) {
  const agent = new Agent({ ca: d.caPem, cert: d.clientCertPem, key: d.clientKeyPem, keepAlive: true });

  const forward = (res: ServerResponse, req: IncomingMessage, node: Node, path: string, onError?: StatusOnError): Promise<void> =>
    new Promise((resolve) => {
      const { host, port } = kubeletAddress(node);
      const upstream = request(
        { host, port, path, method: req.method, agent, servername: node.metadata.name, headers: { accept: req.headers.accept ?? '*/*' } },
        (kres) => {
          const code = kres.statusCode ?? 502;
          if (onError && !kubeletOk(code)) {
            // Upstream's log REST: the kubelet's plain-text error becomes a Status before anything streams.
            void readBody(kres, MAX_ERROR_BODY).then((body) => {
              const err = kubeletErrorStatus(code, body, onError.resource, onError.name);
              res.writeHead(err.code, { 'Content-Type': 'application/json' });
              res.end(JSON.stringify(err.toStatus()));
              resolve();
            });
            return;
          }
          if (onError && isWebSocketRequest(req.headers)) {
            // pods/log asked over a WebSocket: the log goes out as messages (upstream's wsstream.Reader).
            serveReaderOverWebSocket(req, kres);
            kres.on('end', resolve);
            kres.on('close', resolve);
            return;
          }
          res.writeHead(kres.statusCode ?? 502, { 'Content-Type': kres.headers['content-type'] ?? 'text/plain' });
          kres.pipe(res);
          kres.on('end', resolve);
          kres.on('error', () => resolve());
        },
      );
      upstream.on('error', (e) => {
        if (!res.headersSent) {
          const err = errors.internal(`error trying to reach the kubelet of node ${node.metadata.name}: ${e.message}`);
          res.writeHead(err.code, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(err.toStatus()));
        } else res.destroy();
        resolve();
      });
      req.on('close', () => upstream.destroy());
      upstream.end();
    });

  return async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> => {
    if (info.resource === 'pods') {
      const opts = parseLogQuery(query, info.name);
      const pod = await d.pods.get(info.namespace, info.name);
      const container = logContainer(pod, opts.container ?? null);
      if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
      const node = await d.nodes.get('', pod.spec.nodeName);
      // Sent on in canonical form: the kubelet reads the same options again.
      const q = logQueryString(opts);
      const path = `/containerLogs/${encodeURIComponent(info.namespace)}/${encodeURIComponent(info.name)}/${encodeURIComponent(container)}${q.size ? `?${q}` : ''}`;
      return forward(res, req, node, path, { resource: { group: '', resource: 'pods/log' }, name: info.name });
    }
    const node = await d.nodes.get('', info.name);
    const rest = new URLSearchParams(query);
    return forward(res, req, node, `/${info.subpath}${rest.size ? `?${rest}` : ''}`);
  };
}
