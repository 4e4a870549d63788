// RBAC-shaped policy rules and upstream's matching of them, for the built-in roles Berth
// applies before RBAC exists: system:discovery, system:public-info-viewer,
// system:basic-user (granted to system:authenticated) and system:node.
import type { Attributes } from './authz.ts';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  /** "pods", "pods/status", "*", "*\/scale". */
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const matchesOrStar = (list: string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

function resourceMatches(rule: PolicyRule, a: Attributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`),
  );
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** As upstream's RuleAllows: verbs, then either group/resource/name or non-resource URL. */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!matchesOrStar(rule.verbs, a.verb)) return false;
  if (a.isResourceRequest) {
    if (!matchesOrStar(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a)) return false;
    return !rule.resourceNames?.length || rule.resourceNames.includes(a.name);
  }
  return nonResourceURLMatches(rule, a.path);
}

export const rulesAllow = (a: Attributes, rules: readonly PolicyRule[]) => rules.some((r) => ruleAllows(a, r));

const read = ['get', 'list', 'watch'];

/** system:discovery + system:public-info-viewer + system:basic-user, bound to system:authenticated. */
export const authenticatedUserRules: readonly PolicyRule[] = [
  {
    verbs: ['get'],
    nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
  },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
];

/** The system:monitoring ClusterRole, bound to the group of that name. */
export const monitoringRules: readonly PolicyRule[] = [
  { verbs: ['get'], nonResourceURLs: ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'] },
];

/**
 * The system:node ClusterRole. The Node authorizer checks these after its own
 * graph-based decisions; NodeRestriction admission narrows the writes to the node's own objects.
 */
export const nodeRules: readonly PolicyRule[] = [
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
  { verbs: read, apiGroups: [''], resources: ['services', 'endpoints'] },
  { verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes/status'] },
  { verbs: ['create', 'update', 'patch'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  { verbs: [...read, 'create', 'delete'], apiGroups: [''], resources: ['pods'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
  { verbs: ['get'], apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'] },
  { verbs: ['get', 'create', 'update', 'patch', 'delete'], apiGroups: ['storage.k8s.io'], resources: ['csinodes'] },
  { verbs: read, apiGroups: ['storage.k8s.io'], resources: ['csidrivers'] },
  { verbs: read, apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'] },
];
