// A TLS-terminating proxy that counts one client's API requests by verb and resource. TLS with
// client certificates cannot be relayed blindly, but a benchmark owns the kubelet's credentials:
// the proxy serves with a certificate of the cluster CA and forwards every request to the API
// server with the kubelet's own client certificate, so authentication and the Node authorizer
// see the kubelet exactly as they would without it.
import { createServer, request, Agent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface CountingProxyOptions {
  /** The API server, https://host:port. */
  target: string;
  caPem: string;
  /** What the proxy serves with (the API server's own pair does: it covers 127.0.0.1). */
  servingCertPem: string;
  servingKeyPem: string;
  /** The client's identity, used for the upstream connection. */
  clientCertPem: string;
  clientKeyPem: string;
}

export interface CountingProxy {
  url: string;
  /** Requests seen since the last reset, by requestKey. */
  counts(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * 'METHOD resource[/subresource]' of an API request, as the issue writes them ('PUT leases',
 * 'PATCH nodes/status', 'POST events'), except that a GET of a collection says LIST or WATCH.
 * Anything outside /api and /apis (discovery, healthz) keeps its path. Pure.
 */
export function requestKey(method: string, rawUrl: string): string {
  const url = new URL(rawUrl, 'https://x');
  const parts = url.pathname.split('/').filter(Boolean);
  // Strip the group-version prefix: api/v1 or apis/<group>/<version>.
  let rest: string[];
  if (parts[0] === 'api' && parts.length > 2) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length > 3) rest = parts.slice(3);
  else return `${method} ${url.pathname}`;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, name, subresource] = rest;
  const what = subresource ? `${resource}/${subresource}` : resource;
  const watch = ['1', 'true'].includes(url.searchParams.get('watch') ?? '');
  const verb = method !== 'GET' || name ? method : watch ? 'WATCH' : 'LIST';
  return `${verb} ${what}`;
}

export async function startCountingProxy(o: CountingProxyOptions): Promise<CountingProxy> {
  const target = new URL(o.target);
  const agent = new Agent({ ca: o.caPem, cert: o.clientCertPem, key: o.clientKeyPem, keepAlive: true });
  let counts: Record<string, number> = {};

  const server: Server = createServer({ cert: o.servingCertPem, key: o.servingKeyPem }, (req, res) => {
    const key = requestKey(req.method ?? 'GET', req.url ?? '/');
    counts[key] = (counts[key] ?? 0) + 1;
    const upstream = request(
      { protocol: 'https:', hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    // A watch the client gives up on must not stay open upstream.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.requestTimeout = 0;
  // It stands in for the API server, so it keeps idle connections as long (src/apiserver/apiserver.ts):
  // at Node's default 5 s the client would redo a TLS handshake for every 10 s heartbeat.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    reset: () => void (counts = {}),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
