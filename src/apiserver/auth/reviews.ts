// The review APIs: TokenReview (authentication.k8s.io/v1), SubjectAccessReview and
// SelfSubjectAccessReview (authorization.k8s.io/v1), SelfSubjectReview
// (authentication.k8s.io/v1). Each takes the posted object and returns it with its status.
import { errors, StatusError } from '../../api/errors.ts';
import { isRecord, recordOf, stringOf, stringsOf } from '../../api/json.ts';
import type { KubeObject } from '../../api/object.ts';
import { field, type FieldError } from '../../api/validation/field.ts';
import type { Authenticator, UserInfo } from './authn.ts';
import type { Attributes, Authorizer } from './authz.ts';

/** A posted review: its spec is client JSON, read field by field. */
export interface ReviewRequest extends KubeObject {
  spec?: unknown;
}

/** The posted object as the server answers it: kind set, creationTimestamp null (never stored), status filled in. */
interface ReviewResponse<S> {
  [field: string]: unknown;
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  status: S;
}

/** authentication.k8s.io/v1 UserInfo. */
export interface UserInfoJson {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export type TokenReview = ReviewResponse<{ authenticated?: boolean; user: UserInfoJson; audiences?: string[]; error?: string }>;
export type AccessReview = ReviewResponse<{ allowed: boolean; reason?: string }>;
export type SelfSubjectReview = ReviewResponse<{ userInfo: UserInfoJson }>;

interface AccessSpec {
  resourceAttributes?: Record<string, unknown>;
  nonResourceAttributes?: Record<string, unknown>;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

function accessSpec(body: ReviewRequest): AccessSpec {
  const spec = recordOf(body.spec);
  const extra = isRecord(spec.extra)
    ? Object.fromEntries(Object.entries(spec.extra).flatMap(([k, v]) => {
        const values = stringsOf(v);
        return values ? [[k, values]] : [];
      }))
    : undefined;
  return {
    resourceAttributes: isRecord(spec.resourceAttributes) ? spec.resourceAttributes : undefined,
    nonResourceAttributes: isRecord(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined,
    user: stringOf(spec.user),
    groups: stringsOf(spec.groups),
    uid: stringOf(spec.uid),
    extra,
  };
}

function userInfoJson(u: UserInfo): UserInfoJson {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

function echo<S>(body: ReviewRequest, apiVersion: string, kind: string, status: S): ReviewResponse<S> {
  return { ...body, apiVersion, kind, metadata: { ...(body.metadata ?? {}), creationTimestamp: null }, status };
}

export async function reviewToken(authenticator: Authenticator, body: ReviewRequest): Promise<TokenReview> {
  const spec = recordOf(body.spec);
  const token = stringOf(spec.token);
  if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
  try {
    const { user, audiences } = await authenticator.authenticateToken(token, stringsOf(spec.audiences));
    return echo(body, 'authentication.k8s.io/v1', 'TokenReview', { authenticated: true, user: userInfoJson(user), audiences });
  } catch (e) {
    if (!(e instanceof StatusError) || e.code !== 401) throw e;
    return echo(body, 'authentication.k8s.io/v1', 'TokenReview', { user: {}, error: e.message });
  }
}

function attributesFrom(user: UserInfo, spec: AccessSpec): Attributes {
  const r = spec.resourceAttributes;
  const str = (v: unknown) => stringOf(v) ?? '';
  if (r) {
    return {
      user,
      verb: str(r.verb),
      isResourceRequest: true,
      path: '',
      apiGroup: str(r.group),
      apiVersion: str(r.version),
      resource: str(r.resource),
      subresource: str(r.subresource),
      namespace: str(r.namespace),
      name: str(r.name),
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: str(n.verb), isResourceRequest: false, path: str(n.path), apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
}

function validateAttributes(spec: AccessSpec): FieldError[] {
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    return [field.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  }
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    return [field.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  }
  return [];
}

function decide(authorizer: Authorizer, user: UserInfo, spec: AccessSpec): AccessReview['status'] {
  const d = authorizer.authorize(attributesFrom(user, spec));
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

/** SubjectAccessReview: may the user named in spec do what resourceAttributes/nonResourceAttributes say? */
export function reviewAccess(authorizer: Authorizer, body: ReviewRequest): AccessReview {
  const spec = accessSpec(body);
  const errs = validateAttributes(spec);
  if (!spec.user && !(spec.groups ?? []).length) errs.push(field.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  if (errs.length) throw errors.invalid('authorization.k8s.io', 'SubjectAccessReview', body.metadata?.name ?? '', errs);
  const user: UserInfo = { name: spec.user ?? '', ...(spec.uid ? { uid: spec.uid } : {}), groups: spec.groups ?? [], ...(spec.extra ? { extra: spec.extra } : {}) };
  return echo(body, 'authorization.k8s.io/v1', 'SubjectAccessReview', decide(authorizer, user, spec));
}

/** SelfSubjectAccessReview: the same question for the requesting user. */
export function reviewSelfAccess(authorizer: Authorizer, user: UserInfo, body: ReviewRequest): AccessReview {
  const spec = accessSpec(body);
  const errs = validateAttributes(spec);
  if (errs.length) throw errors.invalid('authorization.k8s.io', 'SelfSubjectAccessReview', body.metadata?.name ?? '', errs);
  return echo(body, 'authorization.k8s.io/v1', 'SelfSubjectAccessReview', decide(authorizer, user, spec));
}

/** SelfSubjectReview (`kubectl auth whoami`): who the server thinks the caller is. */
export function reviewSelf(user: UserInfo, body: ReviewRequest = { metadata: {} }): SelfSubjectReview {
  return echo(body, 'authentication.k8s.io/v1', 'SelfSubjectReview', { userInfo: userInfoJson(user) });
}
