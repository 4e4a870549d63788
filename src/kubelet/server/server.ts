// The kubelet API on --port (10250, HTTPS): /healthz, /pods, /containerLogs, /spec, the Summary
// API, the metrics endpoints and the streaming endpoints (/exec, /attach, /run, /portForward), behind the
// authentication and authorization of auth.ts.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from '../../api/core/index.ts';
import { serveUpgrades } from '../../api/httpupgrade.ts';
import { parseLogQuery } from '../../api/queryparams.ts';
import { serveLog } from '../logs/serve.ts';
import { authorizeRequest, type KubeletAuthOptions } from './auth.ts';
import { parseStreamingPath, serveStreaming, type StreamingDeps } from './streaming.ts';
import { parsePortForwardPath, servePortForwardRequest } from './portforward.ts';

export interface LogTarget {
  /** The log file to serve. */
  path: string;
  /** Whether the container instance is still running (ends a follow). */
  running: () => boolean;
}

export interface KubeletServerDeps {
  auth: KubeletAuthOptions;
  /** The pods the kubelet runs (GET /pods). */
  pods: () => Pod[];
  /** Prometheus text of /metrics/probes. */
  probeMetrics: () => string;
  /** The built-in cAdvisor's faces; absent when stats are unavailable (no cgroups). */
  stats?: {
    summary: () => unknown;
    spec: () => unknown;
    resourceMetrics: () => string;
    cadvisorMetrics: () => string;
  };
  /** The kubelet's own metrics (/metrics). */
  metrics?: () => Promise<string>;
  /**
   * Resolves a container's current (or previous) log; throws an Error with `code` and upstream's
   * message (404 for an unknown pod or container, 400 when the status names no such instance).
   */
  logTarget: (namespace: string, pod: string, container: string, previous: boolean) => Promise<LogTarget>;
  healthy: () => { ok: boolean; message: string };
  /** exec, attach and run; absent where there is no runtime to stream from. */
  streaming?: StreamingDeps;
}

export interface KubeletServerOptions {
  address: string;
  port: number;
  certPem: string;
  keyPem: string;
  clientCaPem?: string;
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

function send(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function containerLogs(req: IncomingMessage, res: ServerResponse, url: URL, d: KubeletServerDeps): Promise<void> {
  const [, , namespace, pod, container] = url.pathname.split('/').map(decodeURIComponent);
  if (!namespace || !pod || !container) return send(res, 400, 'path must be /containerLogs/{namespace}/{pod}/{container}');
  const o = parseLogQuery(url.searchParams, pod);
  const target = await d.logTarget(namespace, pod, container, o.previous);
  const sinceTime = o.sinceTime ?? (o.sinceSeconds !== undefined ? new Date(Date.now() - o.sinceSeconds * 1000) : undefined);
  const stop = new AbortController();
  req.on('close', () => stop.abort());
  // The headers go out with the first write (chunked), so a log file that cannot be opened is still
  // answered with its error code, as upstream's flushing writer does.
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  await serveLog(target.path, res, {
    follow: o.follow && !o.previous,
    tailLines: o.tailLines,
    limitBytes: o.limitBytes,
    timestamps: o.timestamps,
    sinceTime,
    running: target.running,
    signal: stop.signal,
  });
  res.end();
}

async function handle(req: IncomingMessage, res: ServerResponse, d: KubeletServerDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  const path = url.pathname;
  const auth = await authorizeRequest(req, path, d.auth);
  if ('code' in auth) return send(res, auth.code, auth.message);
  if (path === '/healthz') {
    const h = d.healthy();
    return send(res, h.ok ? 200 : 500, h.ok ? 'ok' : h.message);
  }
  if (path === '/pods' || path === '/pods/') {
    return send(res, 200, JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: d.pods() }), 'application/json');
  }
  if (path === '/metrics/probes') return send(res, 200, d.probeMetrics(), PROMETHEUS_TEXT);
  if (path === '/metrics' && d.metrics) return send(res, 200, await d.metrics(), PROMETHEUS_TEXT);
  if (d.stats) {
    if (path === '/stats/summary' || path === '/stats/summary/') return send(res, 200, JSON.stringify(d.stats.summary()), 'application/json');
    if (path === '/spec' || path === '/spec/') return send(res, 200, JSON.stringify(d.stats.spec()), 'application/json');
    if (path === '/metrics/resource') return send(res, 200, d.stats.resourceMetrics(), PROMETHEUS_TEXT);
    if (path === '/metrics/cadvisor') return send(res, 200, d.stats.cadvisorMetrics(), PROMETHEUS_TEXT);
  }
  if (path.startsWith('/containerLogs/')) return containerLogs(req, res, url, d);
  const streaming = d.streaming && parseStreamingPath(path);
  if (streaming) return serveStreaming(req, res, url, streaming, d.streaming!);
  const portForward = d.streaming && parsePortForwardPath(path);
  if (portForward) return servePortForwardRequest(req, portForward, d.streaming!.host);
  send(res, 404, '404 page not found');
}

export async function startKubeletServer(o: KubeletServerOptions, d: KubeletServerDeps, signal: AbortSignal): Promise<{ server: Server; port: number }> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, d).catch((e: Error & { code?: number }) => {
      if (res.headersSent) return void res.destroy();
      send(res, typeof e.code === 'number' && e.code >= 400 && e.code < 600 ? e.code : 500, e.message);
    });
  };
  const server = createServer({ cert: o.certPem, key: o.keyPem, ca: o.clientCaPem, requestCert: true, rejectUnauthorized: false }, handler);
  serveUpgrades(server, handler);
  server.requestTimeout = 0;
  // Upstream's IdleTimeout: a scraper every 15 s keeps its connection instead of a TLS handshake
  // per scrape (Node's default is 5 s).
  server.keepAliveTimeout = 90_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => resolve());
  });
  signal.addEventListener('abort', () => {
    server.closeAllConnections();
    server.close();
  });
  return { server, port: (server.address() as { port: number }).port };
}
