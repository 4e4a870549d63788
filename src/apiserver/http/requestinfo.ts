// Parses a request's path, method and query into what it asks of which resource,
// as upstream's RequestInfoFactory: the basis of routing, authorization and admission.
import { boolParam } from '../../api/queryparams.ts';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource requests the lower-cased method. */
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** What follows the subresource (nodes/<name>/proxy/<subpath>), for proxies. */
  subpath: string;
}

const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    subpath: '',
  };
  let parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 1) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  if (parts.length < 1) return info;
  info.apiVersion = parts[0];
  parts = parts.slice(1);
  if (parts.length < 1) return info;

  info.isResourceRequest = true;
  let watchPath = false;
  if (parts[0] === 'watch') {
    watchPath = true;
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces' && parts.length > 1) {
    info.namespace = parts[1];
    if (parts.length > 2 && !namespaceSubresources.has(parts[2])) parts = parts.slice(2);
  }
  info.resource = parts[0] ?? '';
  info.name = parts[1] ?? '';
  info.subresource = parts[2] ?? '';
  // A namespace's own name is both the namespace and the name of the request.
  if (info.resource === 'namespaces' && info.name && !info.namespace) info.namespace = info.name;
  if (parts.length > 3) info.subpath = parts.slice(3).join('/');

  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? 'get' : 'list';
      // As upstream: ?watch turns only a collection GET into a watch (a named GET stays a get);
      // the /watch/ path prefix watches a collection or one named object.
      if (watchPath || (!info.name && boolParam(query, 'watch'))) info.verb = 'watch';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
  }
  // A list or watch pinned to one name (fieldSelector=metadata.name=x) is authorized as that
  // name, as upstream does, so that a kubelet may watch just the secrets its pods use.
  if ((info.verb === 'list' || info.verb === 'watch') && !info.name) {
    const m = /^metadata\.name==?([^,]+)$/.exec(query.get('fieldSelector') ?? '');
    if (m) info.name = m[1];
  }
  return info;
}
