// The kubelet API's authentication and authorization, as upstream: x509 client certificates of
// --client-ca-file, bearer tokens through a TokenReview, anonymous only with --anonymous-auth;
// then AlwaysAllow, or a SubjectAccessReview on the node's subresource for the path (Webhook).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { SubjectAccessReview, TokenReview } from '../../api/auth.ts';

export interface Caller {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface KubeletAuthOptions {
  anonymousAuth: boolean;
  authenticationTokenWebhook: boolean;
  authorizationMode: 'AlwaysAllow' | 'Webhook';
  nodeName: string;
  /** POSTs a review to the API server and returns the answer: the review with its status. */
  review?: <R extends TokenReview | SubjectAccessReview>(path: string, body: R) => Promise<R>;
}

export type AuthResult = { caller: Caller } | { code: 401 | 403; message: string };

/** Upstream's mapping of kubelet paths to the node subresource that authorizes them. */
export function subresourceFor(path: string): string {
  if (path.startsWith('/stats')) return 'stats';
  if (path.startsWith('/metrics')) return 'metrics';
  if (path.startsWith('/logs')) return 'log';
  if (path.startsWith('/spec')) return 'spec';
  if (path.startsWith('/checkpoint')) return 'checkpoint';
  if (path.startsWith('/configz')) return 'configz';
  if (path.startsWith('/healthz')) return 'healthz';
  return 'proxy';
}

/** The HTTP verb's authorization verb, as upstream's kubelet maps it. */
function verbFor(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'get';
  }
}

async function authenticate(req: IncomingMessage, o: KubeletAuthOptions): Promise<Caller | undefined | 'invalid'> {
  const socket = req.socket as TLSSocket;
  if (socket.authorized) {
    const cert = socket.getPeerCertificate();
    const subject = cert?.subject as Record<string, string | string[] | undefined> | undefined;
    const cn = subject?.CN;
    if (cn) {
      const org = subject.O;
      const groups = Array.isArray(org) ? org : org ? [org] : [];
      return { name: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, 'system:authenticated'] };
    }
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && o.authenticationTokenWebhook && o.review) {
    const review = await o.review<TokenReview>('/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: {},
      spec: { token: auth.slice(7).trim() },
    });
    const status = review.status;
    if (!status?.authenticated || !status.user) return 'invalid';
    return { name: status.user.username, uid: status.user.uid, groups: status.user.groups ?? [], extra: status.user.extra };
  }
  return undefined;
}

export async function authorizeRequest(req: IncomingMessage, path: string, o: KubeletAuthOptions): Promise<AuthResult> {
  let caller = await authenticate(req, o);
  if (caller === 'invalid') return { code: 401, message: 'Unauthorized' };
  if (!caller) {
    if (!o.anonymousAuth) return { code: 401, message: 'Unauthorized' };
    caller = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  }
  if (o.authorizationMode === 'AlwaysAllow') return { caller };
  const subresource = subresourceFor(path);
  const verb = verbFor(req.method ?? 'GET');
  if (!o.review) return { code: 403, message: 'Forbidden: no authorizer' };
  const sar = await o.review<SubjectAccessReview>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      user: caller.name,
      uid: caller.uid,
      groups: caller.groups,
      extra: caller.extra,
      resourceAttributes: { verb, group: '', version: 'v1', resource: 'nodes', subresource, name: o.nodeName },
    },
  });
  if (sar.status?.allowed) return { caller };
  return {
    code: 403,
    message: `Forbidden (user=${caller.name}, verb=${verb}, resource=nodes, subresource=${subresource})`,
  };
}
