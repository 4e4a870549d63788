// The stats UI (--cadvisor-port, 4194): the node and pod pages, their JSON and live event stream,
// and cAdvisor's JSON API beside them. Plain HTTP on loopback; bound elsewhere the kubelet passes
// TLS and its authorizer, so the node's data is never served to anyone who asks.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { StatsSource } from '../stats/types.ts';
import { loadAssets, type Asset } from './assets.ts';
import { cadvisorRequest } from './cadvisorroutes.ts';
import { parseScope, UpdateStream, type Scope } from './stream.ts';
import { latestOnly, nodeView, podView, type FsPoint } from './views.ts';

export type AuthorizeResult = { caller: unknown } | { code: 401 | 403; message: string };

export interface StatsUIOptions {
  /** Default 127.0.0.1 (--cadvisor-bind-address). */
  address?: string;
  /** 0 picks a free port. */
  port: number;
  source: StatsSource;
  /** Serve HTTPS (and ask for client certificates of clientCaPem) instead of HTTP. */
  tls?: { certPem: string; keyPem: string; clientCaPem?: string };
  /** Called for every request; the kubelet plugs in authorizeRequest(req, path, authOptions). */
  authorize?: (req: IncomingMessage, path: string) => Promise<AuthorizeResult>;
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, code: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const sendJSON = (res: ServerResponse, code: number, value: unknown) => send(res, code, JSON.stringify(value), 'application/json');

function serveAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  const headers = { ETag: a.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  send(res, 200, a.body, a.type, headers);
}

async function readJSONBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('request body too large'), { code: 413 });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('request body is not valid JSON'), { code: 400 });
  }
}

/** Page routes: '/', '/pods/<ns>/<name>', '/containers/<ns>/<pod>/<container>'. */
export function isPageRoute(path: string): boolean {
  if (path === '/' || path === '/index.html') return true;
  const parts = path.split('/').filter(Boolean);
  return (parts[0] === 'pods' && parts.length === 3) || (parts[0] === 'containers' && parts.length === 4);
}

/** The node's filesystem over the kept window, from the Summary at each pass (its samples lack it). */
class NodeFsHistory {
  private points: FsPoint[] = [];
  constructor(private readonly windowMs: number) {}
  record(source: StatsSource): void {
    const fs = source.summary().node.fs;
    if (fs?.usedBytes === undefined) return;
    const t = (fs.time ? Date.parse(fs.time) : Date.now()) / 1000;
    if (this.points.length && this.points[this.points.length - 1].t >= t) return;
    this.points.push({ t, used: fs.usedBytes });
    const oldest = t - this.windowMs / 1000;
    while (this.points.length && this.points[0].t < oldest) this.points.shift();
  }
  get(): FsPoint[] {
    return this.points;
  }
}

export async function startStatsUI(opts: StatsUIOptions, signal: AbortSignal): Promise<{ port: number }> {
  const { source } = opts;
  const assets = await loadAssets();
  const nodeFs = new NodeFsHistory(source.storageDurationMs);
  nodeFs.record(source);
  const render = (scope: Scope): unknown => {
    if (scope.kind === 'node') return latestOnly(nodeView(source, nodeFs.get()));
    const view = podView(source, scope.namespace, scope.name);
    return view && latestOnly(view);
  };
  const stream = new UpdateStream(render, Math.min(source.housekeepingIntervalMs, 5000), signal);
  const unsubscribe = source.onHousekeeping(() => {
    nodeFs.record(source);
    stream.broadcast();
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://statsui');
    const path = url.pathname;
    if (opts.authorize) {
      const auth = await opts.authorize(req, path);
      if ('code' in auth) return send(res, auth.code, auth.message);
    }
    const isApiPost = req.method === 'POST' && path.startsWith('/api/v1.');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !isApiPost) return send(res, 405, 'method not allowed', undefined, { Allow: 'GET, HEAD' });
    if (isPageRoute(path)) return serveAsset(req, res, assets.get('/ui/index.html')!);
    const asset = assets.get(path);
    if (asset) return serveAsset(req, res, asset);
    if (path === '/api/ui/node') return sendJSON(res, 200, nodeView(source, nodeFs.get()));
    if (path.startsWith('/api/ui/pods/')) {
      const [ns, name, ...rest] = path.slice('/api/ui/pods/'.length).split('/').map(decodeURIComponent);
      const view = ns && name && !rest.length ? podView(source, ns, name) : undefined;
      return view ? sendJSON(res, 200, view) : send(res, 404, `pod "${ns}/${name}" is not running on this node`);
    }
    if (path === '/api/ui/stream') {
      const scope = parseScope(url.searchParams);
      if (!scope) return send(res, 400, 'pod must be <namespace>/<name>');
      return stream.open(req, res, scope);
    }
    const body = isApiPost ? await readJSONBody(req) : undefined;
    const answer = cadvisorRequest(source, path, url.searchParams, body);
    if (answer) return answer.code === 200 ? sendJSON(res, 200, answer.body) : send(res, answer.code, String(answer.body));
    send(res, 404, '404 page not found');
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: Error & { code?: unknown }) => {
      if (res.headersSent) return void res.destroy();
      send(res, typeof e.code === 'number' ? e.code : 500, e.message);
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.clientCaPem, requestCert: true, rejectUnauthorized: false }, listener)
    : createHttpServer(listener);
  server.requestTimeout = 0; // event streams stay open
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  signal.addEventListener(
    'abort',
    () => {
      unsubscribe();
      server.closeAllConnections();
      server.close();
    },
    { once: true },
  );
  return { port: (server.address() as { port: number }).port };
}
