// The HTTP source (upstream's pkg/kubelet/config/http.go): GET --manifest-url every period with
// the --manifest-url-header headers; the body is a Pod, a PodList or a v1 List. A failed fetch
// or an unreadable body keeps the last good set (no update) and is reported; an unchanged body
// costs nothing more. In a list, an item that does not validate is rejected on its own.
import type { Pod } from '../../api/core/index.ts';
import { anySignal, realClock, type Clock } from '../clock.ts';
import { httpGet, type GetResponse } from '../httpclient.ts';
import { maxManifestBytes, parseManifestText, podsInDocument } from './manifest.ts';
import { prepareStaticPod } from './static_pod.ts';
import type { SourceErrorHandler, UpdateHandler } from './types.ts';
import { Waker } from './wake.ts';

export type ManifestHeaders = Record<string, string | string[]>;

export interface HttpSourceOptions {
  url: string;
  /** --manifest-url-header (see parseManifestUrlHeaders) or the config file's staticPodURLHeader. */
  headers?: ManifestHeaders;
  nodeName: string;
  /** --http-check-frequency (default 20 s). */
  periodMs?: number;
  /** Per request (default 10 s, upstream's HTTP client timeout). */
  timeoutMs?: number;
  signal: AbortSignal;
  onUpdate: UpdateHandler;
  onError?: SourceErrorHandler;
  clock?: Clock;
}

/**
 * --manifest-url-header values as upstream's colon-separated multimap: each value holds
 * comma-separated 'Key:Value' pairs, split at the first colon (so values may hold colons),
 * both sides trimmed; a key given again adds a value.
 */
export function parseManifestUrlHeaders(values: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const value of values) {
    for (const pair of value.split(',')) {
      if (pair === '') continue;
      const colon = pair.indexOf(':');
      if (colon < 0) throw new Error(`malformed pair ${JSON.stringify(pair)}, expect string:string`);
      const key = pair.slice(0, colon).trim();
      (out[key] ??= []).push(pair.slice(colon + 1).trim());
    }
  }
  return out;
}

/** The pods of a manifest body, each item checked on its own; `fatal` when the body as a whole is unusable. */
export function decodeManifestBody(url: string, body: string, nodeName: string): { pods: Pod[]; errors: string[]; fatal?: string } {
  let items: unknown[];
  let kind: string;
  try {
    ({ kind, items } = podsInDocument(parseManifestText(body)));
  } catch (e) {
    return { pods: [], errors: [], fatal: `${url}: couldn't parse as pod or pod list: ${(e as Error).message}` };
  }
  const pods: Pod[] = [];
  const errors: string[] = [];
  items.forEach((item, i) => {
    // PodList items need not repeat their kind; List items must say what they are.
    const raw = kind === 'PodList' && item && typeof item === 'object' ? { kind: 'Pod', apiVersion: 'v1', ...item } : item;
    const result = prepareStaticPod(raw, { nodeName, source: 'http', origin: url });
    if (result.pod) pods.push(result.pod);
    else errors.push(kind === 'Pod' ? `${url}: ${result.error}` : `${url}: items[${i}]: ${result.error}`);
  });
  // A single pod that fails is a bad body: keep what we had, as upstream does.
  if (kind === 'Pod' && errors.length) return { pods: [], errors: [], fatal: errors[0] };
  return { pods, errors };
}

/** GETs the manifest; rejects with a message naming the URL on a network error, a timeout, a non-2xx answer. */
export async function fetchManifest(url: string, headers: ManifestHeaders, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const h: [string, string][] = [];
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) h.push([k, one]);
  // Not AbortSignal.any: the source's lifetime signal would keep one composite per poll.
  const any = anySignal(signal, AbortSignal.timeout(timeoutMs));
  try {
    let res: GetResponse;
    try {
      res = await httpGet(url, { headers: h, signal: any.signal, maxBodyBytes: maxManifestBytes });
    } catch (e) {
      if ((any.signal.reason as Error | undefined)?.name === 'TimeoutError') throw new Error(`${url}: no answer within ${timeoutMs} ms`);
      throw new Error(`${url}: ${(e as Error).message}`);
    }
    if (res.status < 200 || res.status > 299) throw new Error(`${url}: ${res.status} ${res.statusText}`.trim());
    return res.body.toString('utf8');
  } finally {
    any.release();
  }
}

/** Runs the HTTP source until the signal aborts. */
export async function watchHttpSource(o: HttpSourceOptions): Promise<void> {
  const clock = o.clock ?? realClock;
  const waker = new Waker(clock, o.signal);
  let lastBody: string | undefined;
  let lastErrors = new Set<string>();
  while (!o.signal.aborted) {
    const errors: string[] = [];
    let update: Pod[] | undefined;
    try {
      const body = await fetchManifest(o.url, o.headers ?? {}, o.timeoutMs ?? 10_000, o.signal);
      if (body.length === 0) {
        // As upstream: an empty answer is an empty set (and worth a word).
        errors.push(`zero-length data received from ${o.url}`);
        if (lastBody !== '') update = [];
        lastBody = '';
      } else if (body !== lastBody) {
        const decoded = decodeManifestBody(o.url, body, o.nodeName);
        if (decoded.fatal) errors.push(decoded.fatal);
        else {
          errors.push(...decoded.errors);
          update = decoded.pods;
          lastBody = body;
        }
      }
    } catch (e) {
      if (o.signal.aborted) break;
      errors.push((e as Error).message);
    }
    if (o.signal.aborted) break;
    for (const m of errors) if (!lastErrors.has(m)) o.onError?.('http', m);
    lastErrors = new Set(errors);
    if (update) o.onUpdate({ op: 'SET', source: 'http', pods: update });
    await waker.wait(o.periodMs ?? 20_000);
  }
}
