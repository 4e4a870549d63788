// The review APIs: TokenReview (authentication.k8s.io/v1), SubjectAccessReview and
// SelfSubjectAccessReview (authorization.k8s.io/v1), SelfSubjectReview
// (authentication.k8s.io/v1). Each takes the posted object and returns it with its status.
import { errors, StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { field, type FieldError } from '../../api/validation/field.ts';
import type { Authenticator, UserInfo } from './authn.ts';
import type { Attributes, Authorizer } from './authz.ts';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

interface AccessSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

function userInfoJson(u: UserInfo): Record<string, unknown> {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

function echo(body: KubeObject, apiVersion: string, kind: string): KubeObject {
  return { ...body, apiVersion, kind, metadata: { ...(body.metadata ?? {}), creationTimestamp: null as unknown as string } };
}

export async function reviewToken(authenticator: Authenticator, body: KubeObject): Promise<KubeObject> {
  const spec = (body.spec ?? {}) as { token?: string; audiences?: string[] };
  if (!spec.token) throw errors.badRequest('token is required for TokenReview in authentication');
  const out = echo(body, 'authentication.k8s.io/v1', 'TokenReview');
  try {
    const { user, audiences } = await authenticator.authenticateToken(spec.token, spec.audiences);
    out.status = { authenticated: true, user: userInfoJson(user), audiences };
  } catch (e) {
    if (!(e instanceof StatusError) || e.code !== 401) throw e;
    out.status = { user: {}, error: e.message };
  }
  return out;
}

function attributesFrom(user: UserInfo, spec: AccessSpec): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      verb: r.verb ?? '',
      isResourceRequest: true,
      path: '',
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', isResourceRequest: false, path: n.path ?? '', apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
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

function decide(authorizer: Authorizer, user: UserInfo, spec: AccessSpec): Record<string, unknown> {
  const d = authorizer.authorize(attributesFrom(user, spec));
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

/** SubjectAccessReview: may the user named in spec do what resourceAttributes/nonResourceAttributes say? */
export function reviewAccess(authorizer: Authorizer, body: KubeObject): KubeObject {
  const spec = (body.spec ?? {}) as AccessSpec;
  const errs = validateAttributes(spec);
  if (!spec.user && !(spec.groups ?? []).length) errs.push(field.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  if (errs.length) throw errors.invalid('authorization.k8s.io', 'SubjectAccessReview', body.metadata?.name ?? '', errs);
  const user: UserInfo = { name: spec.user ?? '', ...(spec.uid ? { uid: spec.uid } : {}), groups: spec.groups ?? [], ...(spec.extra ? { extra: spec.extra } : {}) };
  return { ...echo(body, 'authorization.k8s.io/v1', 'SubjectAccessReview'), status: decide(authorizer, user, spec) };
}

/** SelfSubjectAccessReview: the same question for the requesting user. */
export function reviewSelfAccess(authorizer: Authorizer, user: UserInfo, body: KubeObject): KubeObject {
  const spec = (body.spec ?? {}) as AccessSpec;
  const errs = validateAttributes(spec);
  if (errs.length) throw errors.invalid('authorization.k8s.io', 'SelfSubjectAccessReview', body.metadata?.name ?? '', errs);
  return { ...echo(body, 'authorization.k8s.io/v1', 'SelfSubjectAccessReview'), status: decide(authorizer, user, spec) };
}

/** SelfSubjectReview (`kubectl auth whoami`): who the server thinks the caller is. */
export function reviewSelf(user: UserInfo, body: KubeObject = { metadata: {} }): KubeObject {
  return { ...echo(body, 'authentication.k8s.io/v1', 'SelfSubjectReview'), status: { userInfo: userInfoJson(user) } };
}
