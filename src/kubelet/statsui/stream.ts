// Server-sent events for the UI: after every housekeeping pass each open page gets one `update`
// event with its view cut to the latest points. A view is rendered once per pass per scope, however
// many pages show it. Comments every 15 s keep idle connections (and proxies) from timing out.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Scope = { kind: 'node' } | { kind: 'pod'; namespace: string; name: string };

/** Renders a scope's update; undefined when the scope no longer exists (the pod went away). */
export type RenderUpdate = (scope: Scope) => unknown | undefined;

interface Client {
  scope: Scope;
  res: ServerResponse;
}

const KEEPALIVE_MS = 15_000;
const MAX_CLIENTS = 256;

export const scopeKey = (s: Scope): string => (s.kind === 'node' ? 'node' : `pod/${s.namespace}/${s.name}`);

/** `?pod=<namespace>/<name>` → a pod scope; no parameter → the node. */
export function parseScope(q: URLSearchParams): Scope | undefined {
  const pod = q.get('pod');
  if (pod === null) return { kind: 'node' };
  const slash = pod.indexOf('/');
  if (slash <= 0 || slash === pod.length - 1) return undefined;
  return { kind: 'pod', namespace: pod.slice(0, slash), name: pod.slice(slash + 1) };
}

export class UpdateStream {
  private readonly clients = new Set<Client>();

  constructor(
    private readonly render: RenderUpdate,
    private readonly retryMs: number,
    signal: AbortSignal,
  ) {
    const timer = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    timer.unref();
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(timer);
        for (const c of this.clients) c.res.end();
        this.clients.clear();
      },
      { once: true },
    );
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response as an event stream. */
  open(req: IncomingMessage, res: ServerResponse, scope: Scope): void {
    if (this.clients.size >= MAX_CLIENTS) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' });
      res.end('too many live pages');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(`retry: ${this.retryMs}\n: connected\n\n`);
    const client: Client = { scope, res };
    this.clients.add(client);
    req.on('close', () => this.clients.delete(client));
  }

  /** Sends each client its scope's latest update (called after every housekeeping pass). */
  broadcast(): void {
    const rendered = new Map<string, string | undefined>();
    for (const c of this.clients) {
      const key = scopeKey(c.scope);
      if (!rendered.has(key)) {
        const update = this.render(c.scope);
        rendered.set(key, update === undefined ? undefined : `event: update\ndata: ${JSON.stringify(update)}\n\n`);
      }
      const frame = rendered.get(key);
      c.res.write(frame ?? 'event: gone\ndata: {}\n\n');
    }
  }

  private write(frame: string): void {
    for (const c of this.clients) c.res.write(frame);
  }
}
