// Requests that are not plain storage verbs: pods/binding, pods/eviction, serviceaccounts/token,
// TokenReview and SubjectAccessReview, and the proxies to kubelets (pods/log, nodes/proxy,
// and the streaming pods/exec and pods/attach).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../api/errors.ts';
import { unstructured, type KubeObject, type Unstructured } from '../../api/object.ts';
import type { UserInfo } from '../auth/authn.ts';
import type { ResourceInfo } from '../registry/resources.ts';
import { decodeObject, readBody } from './body.ts';
import type { RequestInfo } from './requestinfo.ts';
import { writeJson } from './respond.ts';

/** The decoded bodies are client JSON: each handler reads the fields it needs, guarded. */
export interface SubresourceHandlers {
  bind(namespace: string, podName: string, binding: Unstructured, admit: (obj: KubeObject, old: KubeObject) => void): Promise<void>;
  /** pods/eviction: a Status whose code is the HTTP answer (201 Success, or upstream's 500 Failure). */
  evict(namespace: string, podName: string, eviction: Unstructured, dryRun: boolean): Promise<{ code: number }>;
  token(namespace: string, serviceAccount: string, request: Unstructured): Promise<object>;
  tokenReview(review: Unstructured): Promise<object>;
  accessReview(review: Unstructured): Promise<object>;
  /** Proxies pods/log and nodes/proxy to the kubelet; absent until kubelets are reachable. */
  proxy?(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void>;
  /** Tunnels pods/exec and pods/attach upgrades to the kubelet; absent until kubelets are reachable. */
  stream?(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void>;
}

export interface SubresourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  resource: ResourceInfo;
  user: UserInfo;
  query: URLSearchParams;
  admit: (obj: KubeObject | undefined, old: KubeObject | undefined) => void;
}

async function body(r: SubresourceRequest, kind: string): Promise<Unstructured> {
  const group = r.resource.subresources?.find((s) => s.name === r.info.subresource)?.group ?? r.resource.group;
  return unstructured(decodeObject(await readBody(r.req), r.req.headers['content-type'], `${kind} cannot be decoded`, { group, version: 'v1', kind }));
}

function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  const bad = values.find((v) => v !== 'All');
  if (bad !== undefined) throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(bad)}: supported values: "All"`);
  return values.length > 0;
}

/** Serves the request if it is one of these; false hands it to the generic resource handler. */
export async function serveSubresource(h: SubresourceHandlers, r: SubresourceRequest): Promise<boolean> {
  const { info } = r;
  const what = `${r.resource.resource}/${info.subresource}`;
  switch (info.subresource ? what : r.resource.resource) {
    case 'pods/binding': {
      if (info.verb !== 'create') throw errors.methodNotSupported(r.resource, info.verb);
      await h.bind(info.namespace, info.name, await body(r, 'Binding'), r.admit);
      writeJson(r.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      return true;
    }
    case 'pods/eviction': {
      if (info.verb !== 'create') throw errors.methodNotSupported(r.resource, info.verb);
      const eviction = await body(r, 'Eviction');
      r.admit(eviction, undefined);
      const status = await h.evict(info.namespace, info.name, eviction, dryRun(r.query));
      writeJson(r.res, status.code, status);
      return true;
    }
    case 'serviceaccounts/token': {
      if (info.verb !== 'create') throw errors.methodNotSupported(r.resource, info.verb);
      const request = await body(r, 'TokenRequest');
      r.admit(request, undefined);
      writeJson(r.res, 201, await h.token(info.namespace, info.name, request));
      return true;
    }
    case 'tokenreviews':
    case 'subjectaccessreviews': {
      if (info.verb !== 'create') throw errors.methodNotSupported(r.resource, info.verb);
      const review = await body(r, r.resource.kind);
      const out = r.resource.resource === 'tokenreviews' ? await h.tokenReview(review) : await h.accessReview(review);
      writeJson(r.res, 201, out);
      return true;
    }
    case 'pods/log':
    case 'nodes/proxy': {
      if (!h.proxy) throw errors.unavailable(`${what} is not available: this API server has no connection to kubelets`);
      await h.proxy(r.req, r.res, info, r.query);
      return true;
    }
    case 'pods/exec':
    case 'pods/attach':
    case 'pods/portforward': {
      if (info.verb !== 'get' && info.verb !== 'create') throw errors.methodNotSupported(r.resource, info.verb);
      if (!h.stream) throw errors.unavailable(`${what} is not available: this API server has no connection to kubelets`);
      await h.stream(r.req, r.res, info, r.query);
      return true;
    }
  }
  return false;
}
