// How a request is labelled in the API server's metrics, as upstream's endpoints/metrics
// (CleanVerb, CleanScope, cleanDryRun) and its long-running and read-only request checks. Pure.
import type { RequestInfo } from '../http/requestinfo.ts';
import type { RequestKind, RequestLabels } from './metrics.ts';

/** Subresources that stream (upstream's long-running check: watch, proxy, attach, exec, log, portforward). */
const streamingSubresources = new Set(['proxy', 'attach', 'exec', 'log', 'portforward']);
/** Subresources reached with CONNECT semantics. */
const connectSubresources = new Set(['proxy', 'attach', 'exec', 'portforward']);

const verbs: Record<string, string> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETECOLLECTION',
};

/** "resource" for one object (or a create), "namespace" or "cluster" for collections, "" otherwise. */
export function scopeOf(info: RequestInfo): string {
  if (!info.isResourceRequest) return '';
  if (info.name || info.verb === 'create') return 'resource';
  return info.namespace ? 'namespace' : 'cluster';
}

/** The reported verb: upper-case, LIST/WATCH for collections, APPLY for server-side apply, CONNECT for streams. */
export function reportedVerb(method: string, info: RequestInfo, contentType: string | undefined): string {
  if (!info.isResourceRequest) return method.toUpperCase();
  if (connectSubresources.has(info.subresource)) return 'CONNECT';
  if (info.verb === 'patch' && (contentType ?? '').split(';')[0].trim() === 'application/apply-patch+yaml') return 'APPLY';
  return verbs[info.verb] ?? method.toUpperCase();
}

export function isLongRunning(info: RequestInfo): boolean {
  return info.verb === 'watch' || (info.isResourceRequest && streamingSubresources.has(info.subresource));
}

/** readOnly for get, list and watch (upstream's non-mutating verbs), mutating for the rest. */
export function requestKind(info: RequestInfo): RequestKind {
  return info.verb === 'get' || info.verb === 'list' || info.verb === 'watch' || info.verb === 'head' ? 'readOnly' : 'mutating';
}

export function requestLabels(method: string, info: RequestInfo, query: URLSearchParams, contentType: string | undefined): RequestLabels {
  return {
    verb: reportedVerb(method, info, contentType),
    dry_run: [...new Set(query.getAll('dryRun'))].sort().join(','),
    group: info.apiGroup,
    version: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    scope: scopeOf(info),
    component: 'apiserver',
  };
}
