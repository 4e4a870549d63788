// The API server's HTTP front: health, version, discovery, OpenAPI, then authentication,
// authorization and admission in front of every resource request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import type { Attributes, Authorizer, UserInfo } from '../auth/authz.ts';
import type { Authenticator } from '../auth/authn.ts';
import { forbiddenMessage } from '../auth/authz.ts';
import { findResource } from '../registry/resources.ts';
import { metricsGroup } from '../metrics/discovery.ts';
import type { Store } from '../registry/store.ts';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, serverVersion } from './discovery.ts';
import { serveHealthPath, type HealthCheck } from './health.ts';
import { serveOpenApi } from './openapi.ts';
import { parseRequestInfo, type RequestInfo } from './requestinfo.ts';
import { serveResource } from './resources.ts';
import { writeError, writeJson } from './respond.ts';
import { serveSubresource, type SubresourceHandlers } from './subresources.ts';

export interface ApiHandlerOptions {
  stores: Map<string, Store>;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** NodeRestriction and other admission that sees the user, the old and the new object. */
  admit?: (user: UserInfo, a: Attributes, obj: KubeObject | undefined, old: KubeObject | undefined) => StatusError | undefined;
  subresources: SubresourceHandlers;
  /** The checks behind /healthz, /livez and /readyz (served before authentication, as upstream lets anyone read them). */
  health: readonly HealthCheck[];
  /** The API server's own Prometheus metrics (/metrics, a non-resource URL authorized as such). */
  ownMetrics?: { render(): Promise<string>; contentType: string };
  /** The address clients should use, for /api's serverAddressByClientCIDRs (known once listening). */
  serverAddress: () => string;
  /** metrics.k8s.io requests (served from the scraper's memory, not from storage). */
  metrics?: (req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams) => Promise<void>;
}

export function storeKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

function attributes(user: UserInfo, info: RequestInfo): Attributes {
  return {
    user,
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

/** Non-resource GETs: discovery documents and OpenAPI. Returns false when the path is not one. */
function serveNonResource(o: ApiHandlerOptions, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const p = url.pathname.replace(/\/+$/, '') || '/';
  if (p === '/version') return writeJson(res, 200, serverVersion), true;
  if (p === '/api') return writeJson(res, 200, apiVersions(o.serverAddress())), true;
  if (p === '/apis') return writeJson(res, 200, apiGroupList()), true;
  if (p.startsWith('/openapi/')) return serveOpenApi(req, res, url);
  const parts = p.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) {
    const doc = apiResourceList('', parts[1]);
    return doc ? (writeJson(res, 200, doc), true) : false;
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const doc = apiGroupDocument(parts[1]);
    return doc ? (writeJson(res, 200, doc), true) : false;
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const doc = apiResourceList(parts[1], parts[2]);
    return doc ? (writeJson(res, 200, doc), true) : false;
  }
  return false;
}

const notFound = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

export function createApiHandler(o: ApiHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(o, req, res).catch((e) => writeError(res, e));
  };
}

async function handle(o: ApiHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver');
  const path = url.pathname;
  if (req.method === 'GET') {
    const health = await serveHealthPath(o.health, path, url.searchParams);
    if (health) {
      res.writeHead(health.code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(health.body);
      return;
    }
  }
  if (req.method === 'GET' && path === '/version') return writeJson(res, 200, serverVersion);

  const user = await o.authenticator.authenticate(req);
  if (!user) throw errors.unauthorized();
  const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
  const attrs = attributes(user, info);
  const decision = o.authorizer.authorize(attrs);
  if (!decision.allowed) {
    const why = forbiddenMessage(attrs, decision.reason);
    if (!info.isResourceRequest) throw errors.forbiddenPath(`forbidden: ${why}`);
    throw errors.forbidden({ group: info.apiGroup, resource: info.subresource ? `${info.resource}/${info.subresource}` : info.resource }, info.name, why);
  }

  if (!info.isResourceRequest) {
    if (req.method === 'GET' && path === '/metrics' && o.ownMetrics) {
      const text = await o.ownMetrics.render();
      res.writeHead(200, { 'Content-Type': o.ownMetrics.contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && serveNonResource(o, req, res, url)) return;
    throw notFound();
  }
  if (info.apiGroup === metricsGroup && o.metrics) return o.metrics(req, res, info, url.searchParams);
  const resource = findResource(info.apiGroup, info.apiVersion, info.resource);
  if (!resource) throw notFound();
  if (resource.namespaced && !info.namespace && !['list', 'watch'].includes(info.verb)) throw notFound();
  if (!resource.namespaced && info.namespace && resource.resource !== 'namespaces') throw notFound();

  const admit = (obj: KubeObject | undefined, old: KubeObject | undefined) => {
    const err = o.admit?.(user, attrs, obj, old);
    if (err) throw err;
  };
  if (await serveSubresource(o.subresources, { req, res, info, resource, user, admit, query: url.searchParams })) return;
  const store = o.stores.get(storeKey(resource.group, resource.resource));
  if (!store) throw notFound();
  await serveResource({ req, res, info, resource, store, query: url.searchParams, admit });
}
