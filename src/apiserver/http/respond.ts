// Writing responses: JSON bodies, Status errors, and what the client's Accept header asks for.
import type { ServerResponse } from 'node:http';
import { errors, StatusError } from '../../api/errors.ts';

export function writeJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function writeError(res: ServerResponse, e: unknown): void {
  const err = e instanceof StatusError ? e : errors.internal((e as Error)?.message ?? String(e));
  if (!(e instanceof StatusError)) console.error('apiserver: internal error:', e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // As upstream's ErrorNegotiated: a suggested retry period is also a Retry-After header, which
  // client-go honours by waiting and retrying (a 429 from the eviction API, a 504 from the cache).
  const retry = err.details?.retryAfterSeconds;
  writeJson(res, err.code, err.toStatus(), retry && retry > 0 ? { 'Retry-After': String(retry) } : {});
}

export interface Accept {
  /** as=Table;g=meta.k8s.io;v=v1 */
  table: boolean;
  /** as=PartialObjectMetadata(List) */
  partialMetadata: boolean;
  /** as=APIGroupDiscoveryList (aggregated discovery) */
  aggregatedDiscovery: boolean;
}

/** Reads the media types the client accepts, taking the first Berth can serve. */
export function parseAccept(header: string | undefined): Accept {
  const out: Accept = { table: false, partialMetadata: false, aggregatedDiscovery: false };
  for (const entry of (header ?? '').split(',')) {
    const params = new Map(
      entry
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    const as = params.get('as');
    const type = entry.split(';')[0].trim();
    if (type !== 'application/json' && type !== '*/*') continue;
    if (as === 'Table' && params.get('g') === 'meta.k8s.io') return { ...out, table: true };
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && params.get('g') === 'meta.k8s.io') {
      return { ...out, partialMetadata: true };
    }
    if (as === 'APIGroupDiscoveryList' && params.get('g') === 'apidiscovery.k8s.io' && params.get('v') === 'v2') {
      return { ...out, aggregatedDiscovery: true };
    }
    if (!as) return out;
  }
  return out;
}
