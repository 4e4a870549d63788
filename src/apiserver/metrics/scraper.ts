// The scraper behind the Metrics API: every --metric-resolution it reads each node's kubelet
// /metrics/resource over HTTPS (the API server's kubelet-client certificate, the kubelet's
// serving certificate verified against the cluster CA), concurrently and with a timeout, and
// keeps the last two points per node and container. With no nodes it does no work at all.
import { Agent, request } from 'node:https';
import type { Node, Pod } from '../../api/core/index.ts';
import { kubeletAddress } from '../kubeletproxy.ts';
import type { ObjectCache } from '../client.ts';
import { decodeResourceMetrics, emptyBatch, type MetricsBatch } from './decode.ts';
import { emptyState, store, type MetricsState } from './storage.ts';

/** Reads one node's /metrics/resource text; rejects on any failure. */
export type KubeletMetricsGetter = (node: Node, signal: AbortSignal) => Promise<string>;

export interface KubeletClientOptions {
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Largest body accepted (default 64 MiB): a kubelet is trusted, but memory is bounded. */
  maxBytes?: number;
  /** Closes the kept-alive connections when it aborts. */
  signal?: AbortSignal;
}

export function createKubeletMetricsClient(o: KubeletClientOptions): KubeletMetricsGetter {
  const agent = new Agent({ ca: o.caPem, cert: o.clientCertPem, key: o.clientKeyPem, keepAlive: true, maxSockets: 1 });
  const maxBytes = o.maxBytes ?? 64 << 20;
  o.signal?.addEventListener('abort', () => agent.destroy(), { once: true });
  return (node, signal) =>
    new Promise((resolve, reject) => {
      const { host, port } = kubeletAddress(node);
      const req = request({ host, port, path: '/metrics/resource', method: 'GET', agent, servername: node.metadata.name, signal, headers: { accept: 'text/plain' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) req.destroy(new Error(`response larger than ${maxBytes} bytes`));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`request failed, status: ${res.statusCode}: ${body.slice(0, 200).trim()}`));
          else resolve(body);
        });
      });
      req.on('error', reject);
      req.end();
    });
}

export interface ScraperOptions {
  nodes: { cache: Pick<ObjectCache<Node>, 'list'> };
  pods: { cache: Pick<ObjectCache<Pod>, 'get'> };
  getMetrics: KubeletMetricsGetter;
  resolutionMs: number;
  /** Per-node request timeout (default: 90% of the resolution, at most 10 s). */
  timeoutMs?: number;
  /** Most kubelets asked at once (default 64). */
  concurrency?: number;
  log?: (msg: string) => void;
  now?: () => number;
  random?: () => number;
}

export interface MetricsScraper {
  state(): MetricsState;
  /** One pass over every node; resolves when all have answered or timed out. */
  scrape(signal?: AbortSignal): Promise<void>;
  /** Scrapes every resolution until the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs fn with a signal that aborts with a TimeoutError after ms, or when the outer signal aborts. */
async function withTimeout<T>(ms: number, outer: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  // A plain (referenced) timer: AbortSignal.timeout's would not keep the process waiting for it.
  const timer = setTimeout(() => ac.abort(new DOMException(`timeout after ${ms}ms`, 'TimeoutError')), ms);
  try {
    return await fn(ac.signal);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
}

/** Drops pods the API does not know on that node (a kubelet reports only its own pods). */
export function keepOwnPods(batch: MetricsBatch, nodeName: string, podOf: (namespace: string, name: string) => Pod | undefined): MetricsBatch {
  for (const key of [...batch.pods.keys()]) {
    const slash = key.indexOf('/');
    const pod = podOf(key.slice(0, slash), key.slice(slash + 1));
    if (pod?.spec?.nodeName !== nodeName) batch.pods.delete(key);
  }
  return batch;
}

function hasKubeletAddress(node: Node): boolean {
  try {
    kubeletAddress(node);
    return true;
  } catch {
    return false;
  }
}

// Scraping many nodes at the same instant makes a burst; spread the starts a little, as metrics-server does.
const staggerPerNodeMs = 8;
const maxStaggerMs = 4000;

export function createMetricsScraper(o: ScraperOptions): MetricsScraper {
  if (!(o.resolutionMs > 0)) throw new Error(`--metric-resolution must be positive, got ${o.resolutionMs}ms`);
  const log = o.log ?? (() => {});
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const timeoutMs = o.timeoutMs ?? Math.min(10_000, Math.max(1, Math.floor(o.resolutionMs * 0.9)));
  const concurrency = o.concurrency ?? 64;
  let state = emptyState();
  // The last error per node, so that a node that keeps failing is logged once, not every pass.
  const lastError = new Map<string, string>();

  const scrapeNode = async (node: Node, signal: AbortSignal, staggerMs: number): Promise<MetricsBatch> => {
    const name = node.metadata.name!;
    try {
      if (staggerMs > 0) await sleep(random() * staggerMs, signal);
      const text = await withTimeout(timeoutMs, signal, (s) => o.getMetrics(node, s));
      const batch = decodeResourceMetrics(text, name, now());
      if (lastError.delete(name)) log(`metrics: scraping node ${name} works again`);
      return keepOwnPods(batch, name, (ns, pod) => o.pods.cache.get(ns, pod));
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs}ms` : (e as Error).message;
      if (lastError.get(name) !== why) log(`metrics: failed to scrape node ${name}: ${why}`);
      lastError.set(name, why);
      return emptyBatch();
    }
  };

  const scrape = async (signal: AbortSignal = new AbortController().signal): Promise<void> => {
    // A node registers before it reports its address: until then there is nothing to ask.
    const nodes = o.nodes.cache.list().items.filter(hasKubeletAddress);
    if (!nodes.length) {
      if (state.nodes.last.size || state.pods.last.size) state = emptyState();
      lastError.clear();
      return;
    }
    const staggerMs = Math.min(staggerPerNodeMs * nodes.length, maxStaggerMs);
    const merged = emptyBatch();
    let next = 0;
    const worker = async () => {
      while (next < nodes.length && !signal.aborted) {
        const batch = await scrapeNode(nodes[next++], signal, staggerMs);
        for (const [n, p] of batch.nodes) merged.nodes.set(n, p);
        for (const [k, p] of batch.pods) if (!merged.pods.has(k)) merged.pods.set(k, p);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
    if (signal.aborted) return;
    const names = new Set(nodes.map((n) => n.metadata.name!));
    for (const n of lastError.keys()) if (!names.has(n)) lastError.delete(n);
    state = store(state, merged, o.resolutionMs);
  };

  return {
    state: () => state,
    scrape,
    run: async (signal) => {
      while (!signal.aborted) {
        const started = now();
        await scrape(signal);
        await sleep(Math.max(0, o.resolutionMs - (now() - started)), signal);
      }
    },
  };
}
