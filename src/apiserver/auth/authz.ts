// Authorization as kube-apiserver's chain of authorizers, until RBAC arrives:
// system:masters may do everything; nodes go through the Node authorizer; every
// authenticated user gets what upstream's default bindings give system:authenticated
// (discovery, version, health, self reviews); system:monitoring may read /metrics and the
// health checks; everything else is denied.
import { groups, type UserInfo } from './authn.ts';
import { authorizeNode, nodeIdentity, type NodeGraph } from './node_authorizer.ts';
import { authenticatedUserRules, monitoringRules, rulesAllow } from './policy.ts';

export type { UserInfo } from './authn.ts';
export type { NodeGraph } from './node_authorizer.ts';

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface Decision {
  allowed: boolean;
  /** Why (when allowed: by what; when not: what the authorizers had to say, possibly empty). */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): Decision;
}

export interface AuthorizerOptions {
  nodeGraph: NodeGraph;
}

export function createAuthorizer(opts: AuthorizerOptions): Authorizer {
  return {
    authorize(a) {
      if (a.user.groups.includes(groups.masters)) return { allowed: true, reason: `allowed by group "${groups.masters}"` };
      const reasons: string[] = [];
      if (nodeIdentity(a.user).isNode) {
        const d = authorizeNode(opts.nodeGraph, a.user, a);
        if (d.allowed) return d;
        if (d.reason) reasons.push(d.reason);
      }
      if (a.user.groups.includes(groups.monitoring) && rulesAllow(a, monitoringRules)) {
        return { allowed: true, reason: `allowed by ClusterRoleBinding "system:monitoring" of ClusterRole "system:monitoring" to Group "${groups.monitoring}"` };
      }
      if (a.user.groups.includes(groups.authenticated) && rulesAllow(a, authenticatedUserRules)) {
        return { allowed: true, reason: `allowed by the default policy for group "${groups.authenticated}"` };
      }
      return { allowed: false, reason: reasons.join('; ') };
    },
  };
}

/**
 * Upstream's text for a 403: `User "bob" cannot list resource "pods" in API group "" in the
 * namespace "default"`; with the authorizer's reason appended after ": " when there is one.
 */
export function forbiddenMessage(a: Attributes, reason = ''): string {
  const suffix = reason ? `: ${reason}` : '';
  const user = a.user.name;
  if (!a.isResourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path}"${suffix}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}${suffix}`;
}
