// A small Kubernetes REST client for the kubelet: JSON over HTTPS with keep-alive, a timeout on
// every call, retries with backoff for idempotent reads, and errors that carry the API's Status.
import * as http from 'node:http';
import * as https from 'node:https';
import { createInterface } from 'node:readline';
import { createSecureContext } from 'node:tls';
import type { Readable } from 'node:stream';
import { StatusError, type StatusDetails, type StatusReason } from '../../api/errors.ts';
import type { KubeList, KubeObject } from '../../api/object.ts';
import type { WatchEvent } from '../../api/watch.ts';
import { realClock, type Clock } from '../clock.ts';
import { Backoff } from '../backoff.ts';
import type { ClientConfig } from './kubeconfig.ts';

export type PatchType = 'strategic' | 'merge' | 'json';
const patchMediaTypes: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  query?: Record<string, string | number | boolean | undefined>;
}

/** What watch() yields: the changes. It handles BOOKMARK and ERROR events itself. */
export type WatchChange<T extends KubeObject> = Extract<WatchEvent<T>, { type: 'ADDED' | 'MODIFIED' | 'DELETED' }>;

export interface WatchOptions {
  resourceVersion?: string;
  signal: AbortSignal;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface KubeClientOptions {
  /** Per-request timeout (default 10 s, upstream's node status and lease use the same order). */
  timeoutMs?: number;
  /** Attempts for idempotent reads (default 3). */
  attempts?: number;
  userAgent?: string;
  clock?: Clock;
  /**
   * The component's lifetime: once it aborts, every request in flight ends (its connection is
   * destroyed, dialing or not), none is retried and none starts.
   */
  signal?: AbortSignal;
}

const codeReasons: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Gone', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** The Status an API server answered with, or one made from the code when the body is not a Status. */
export function statusErrorFrom(code: number, body: string, method: string, path: string): StatusError {
  try {
    const s = JSON.parse(body) as { kind?: string; reason?: StatusReason; message?: string; details?: StatusDetails; code?: number };
    if (s?.kind === 'Status') return new StatusError(s.code ?? code, s.reason ?? codeReasons[code] ?? 'InternalError', s.message ?? '', s.details);
  } catch {
    // not JSON: fall through
  }
  const text = body.trim().slice(0, 200);
  return new StatusError(code, codeReasons[code] ?? 'InternalError', `the server responded with ${code} to ${method} ${path}${text ? `: ${text}` : ''}`);
}

/** Whether a failure is worth retrying: the connection failed, or the server said try again. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof StatusError) return err.code === 429 || err.code === 503 || err.code === 504 || err.code === 500;
  return !(err instanceof Error && err.name === 'AbortError');
}

export class KubeClient {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly userAgent: string;
  private readonly clock: Clock;
  private readonly lifetime: AbortSignal | undefined;

  constructor(readonly config: ClientConfig, opts: KubeClientOptions = {}) {
    const secure = config.server.startsWith('https:');
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          // client-go multiplexes one HTTP/2 connection; over HTTP/1.1 a burst (50 pods starting)
          // would otherwise open a TLS connection per request, each handshake costing both ends.
          maxSockets: 16,
          // One context for every connection: given ca/cert/key instead, each new connection (a
          // server closing idle ones, a burst) parses the key and certificates again.
          secureContext: createSecureContext({ ca: config.caPem, cert: config.certPem, key: config.keyPem }),
          rejectUnauthorized: !config.insecureSkipTLSVerify,
        })
      : new http.Agent({ keepAlive: true });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.attempts = opts.attempts ?? 3;
    this.userAgent = opts.userAgent ?? `berth-kubelet/v1.32.0-berth (linux/${process.arch === 'x64' ? 'amd64' : process.arch})`;
    this.clock = opts.clock ?? realClock;
    // One listener for the client, not one per request: destroying the agent ends them all.
    this.lifetime = opts.signal;
    this.lifetime?.addEventListener('abort', () => this.agent.destroy(), { once: true });
  }

  get<T extends KubeObject>(path: string, o?: RequestOptions): Promise<T> {
    return this.retrying(() => this.json<T>('GET', path, undefined, undefined, o), o);
  }

  list<T extends KubeObject>(path: string, o?: RequestOptions): Promise<KubeList<T>> {
    return this.retrying(() => this.json<KubeList<T>>('GET', path, undefined, undefined, o), o);
  }

  create<T extends KubeObject>(path: string, body: KubeObject, o?: RequestOptions): Promise<T> {
    return this.json<T>('POST', path, body, 'application/json', o);
  }

  /** PUT: conditional on metadata.resourceVersion when the object carries one. */
  update<T extends KubeObject>(path: string, body: KubeObject, o?: RequestOptions): Promise<T> {
    return this.json<T>('PUT', path, body, 'application/json', o);
  }

  patch<T extends KubeObject>(path: string, body: unknown, type: PatchType, o?: RequestOptions): Promise<T> {
    return this.json<T>('PATCH', path, body, patchMediaTypes[type], o);
  }

  /** DELETE, with DeleteOptions (gracePeriodSeconds, preconditions) in the body when given. */
  delete(path: string, o?: RequestOptions & { body?: object }): Promise<unknown> {
    return this.json('DELETE', path, o?.body, o?.body ? 'application/json' : undefined, o);
  }

  /**
   * Streams watch events. Resumes from the last seen resourceVersion when the server closes the
   * stream (its timeout) or the connection drops; throws a 410 StatusError when that version has
   * expired, so that the caller lists again. Ends when the signal aborts.
   */
  async *watch<T extends KubeObject>(path: string, o: WatchOptions): AsyncGenerator<WatchChange<T>> {
    let rv = o.resourceVersion;
    const backoff = new Backoff({ initialMs: 200, maxMs: 10_000, jitter: 0.2 });
    while (!o.signal.aborted) {
      const query = { watch: 1, allowWatchBookmarks: true, resourceVersion: rv, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, timeoutSeconds: 300 + Math.floor(Math.random() * 300) };
      let res: http.IncomingMessage;
      try {
        res = await this.open('GET', path, undefined, undefined, { query, signal: o.signal }, false);
      } catch (e) {
        if (o.signal.aborted) return;
        if (e instanceof StatusError && (e.code === 410 || !isRetriable(e))) throw e;
        await this.clock.sleep(backoff.next(), o.signal);
        continue;
      }
      backoff.reset();
      try {
        for await (const line of createInterface({ input: res as Readable, crlfDelay: Infinity })) {
          if (!line.trim()) continue;
          // The API server's watch stream: events of the watched kind (JSON decodes to what it sent).
          const ev = JSON.parse(line) as WatchEvent<T>;
          if (ev.type === 'ERROR') {
            const s = ev.object;
            throw new StatusError(s.code ?? 500, s.reason ?? 'InternalError', s.message ?? 'watch error');
          }
          rv = ev.object?.metadata?.resourceVersion ?? rv;
          if (ev.type !== 'BOOKMARK') yield ev;
        }
      } catch (e) {
        if (o.signal.aborted) return;
        if (e instanceof StatusError) throw e;
        // A dropped connection: resume from rv after a short wait.
        await this.clock.sleep(backoff.next(), o.signal);
      } finally {
        res.destroy();
      }
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async retrying<T>(fn: () => Promise<T>, o?: RequestOptions): Promise<T> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 2_000, jitter: 0.1 });
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= this.attempts || !isRetriable(e) || o?.signal?.aborted || this.lifetime?.aborted) throw e;
        await this.clock.sleep(backoff.next(), o?.signal);
      }
    }
  }

  private async json<T>(method: string, path: string, body: unknown, contentType: string | undefined, o?: RequestOptions): Promise<T> {
    const res = await this.open(method, path, body, contentType, o, true);
    const text = await readBody(res);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Sends a request and resolves with a 2xx response; anything else rejects with its Status.
   * timed: the timeout covers the answer and its body (a plain timer: cheaper than combining
   * abort signals on every request).
   */
  private open(method: string, path: string, body: unknown, contentType: string | undefined, o: RequestOptions | undefined, timed: boolean): Promise<http.IncomingMessage> {
    const url = new URL(this.config.server + path);
    for (const [k, v] of Object.entries(o?.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent };
    if (data !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      // Node sends a DELETE body neither chunked nor sized unless told its length.
      headers['Content-Length'] = String(Buffer.byteLength(data));
    }
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    const send = url.protocol === 'https:' ? https.request : http.request;
    const timeoutMs = o?.timeoutMs ?? this.timeoutMs;
    return new Promise((resolvePromise, reject) => {
      if (this.lifetime?.aborted) {
        reject(Object.assign(new Error(`${method} ${url.pathname}: the client has stopped`), { name: 'AbortError' }));
        return;
      }
      const req = send(url, { method, agent: this.agent, headers, signal: o?.signal }, (res) => {
        if (timer) res.once('close', () => clearTimeout(timer));
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolvePromise(res);
        readBody(res).then((text) => reject(statusErrorFrom(code, text, method, url.pathname)), reject);
      });
      const timer = timed
        ? setTimeout(() => req.destroy(new StatusError(504, 'Timeout', `${method} ${url.pathname}: no answer within ${timeoutMs} ms`)), timeoutMs)
        : undefined;
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(data);
    });
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** Path of a core (v1) resource: corePath('nodes', undefined, 'n1', 'status'). */
export function corePath(resource: string, namespace?: string, name?: string, subresource?: string): string {
  return joinPath('/api/v1', resource, namespace, name, subresource);
}

/** Path of a grouped resource: groupPath('coordination.k8s.io/v1', 'leases', 'kube-node-lease', 'n1'). */
export function groupPath(groupVersion: string, resource: string, namespace?: string, name?: string, subresource?: string): string {
  return joinPath(`/apis/${groupVersion}`, resource, namespace, name, subresource);
}

function joinPath(prefix: string, resource: string, namespace?: string, name?: string, subresource?: string): string {
  let p = prefix;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** The part of the client that node status, lease and events use (tests pass fakes). */
export type ApiClient = Pick<KubeClient, 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete'>;
