// User impersonation (`kubectl --as/--as-group`): the Impersonate-* headers, each checked as
// the "impersonate" verb on users, groups, serviceaccounts, uids or userextras, as upstream's
// impersonation filter. Returns the user the request then acts as.
import type { IncomingHttpHeaders } from 'node:http';
import { errors } from '../../api/errors.ts';
import { groups as knownGroups, type UserInfo } from './authn.ts';
import { forbiddenMessage, type Attributes, type Authorizer } from './authz.ts';

const saPrefix = 'system:serviceaccount:';
const extraPrefix = 'impersonate-extra-';

function headerValues(h: string | string[] | undefined): string[] {
  if (h === undefined) return [];
  return (Array.isArray(h) ? h : [h]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function impersonateAttributes(user: UserInfo, apiGroup: string, resource: string, name: string, namespace = '', subresource = ''): Attributes {
  return { user, verb: 'impersonate', isResourceRequest: true, path: '', apiGroup, apiVersion: '', resource, subresource, namespace, name };
}

/** undefined when the request impersonates no one; throws 400/403 StatusErrors as upstream. */
export function impersonatedUser(authorizer: Authorizer, requester: UserInfo, headers: IncomingHttpHeaders): UserInfo | undefined {
  const userHeader = headerValues(headers['impersonate-user']);
  const groupHeader = headerValues(headers['impersonate-group']);
  const uidHeader = headerValues(headers['impersonate-uid']);
  const extra: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(extraPrefix)) extra[decodeURIComponent(key.slice(extraPrefix.length))] = headerValues(value);
  }
  if (!userHeader.length && !groupHeader.length && !uidHeader.length && !Object.keys(extra).length) return undefined;
  if (userHeader.length !== 1) {
    throw errors.badRequest(`requested ${JSON.stringify({ groups: groupHeader, uid: uidHeader, extra })} without impersonating a user`);
  }

  const checks: Attributes[] = [];
  const name = userHeader[0];
  const groups = [...groupHeader];
  if (name.startsWith(saPrefix)) {
    const [namespace, saName] = name.slice(saPrefix.length).split(':');
    checks.push(impersonateAttributes(requester, '', 'serviceaccounts', saName ?? '', namespace));
    groups.push(knownGroups.serviceAccounts, `${knownGroups.serviceAccounts}:${namespace}`);
  } else {
    checks.push(impersonateAttributes(requester, '', 'users', name));
  }
  for (const g of groupHeader) checks.push(impersonateAttributes(requester, '', 'groups', g));
  for (const uid of uidHeader) checks.push(impersonateAttributes(requester, 'authentication.k8s.io', 'uids', uid));
  for (const [key, values] of Object.entries(extra)) {
    for (const v of values) checks.push(impersonateAttributes(requester, 'authentication.k8s.io', 'userextras', v, '', key));
  }
  for (const a of checks) {
    const d = authorizer.authorize(a);
    if (!d.allowed) throw errors.forbidden({ group: a.apiGroup, resource: a.resource }, a.name, forbiddenMessage(a, d.reason));
  }
  // An impersonated user is authenticated (except the anonymous user), as upstream adds.
  if (name !== 'system:anonymous' && !groups.includes(knownGroups.authenticated)) groups.push(knownGroups.authenticated);
  return {
    name,
    ...(uidHeader[0] ? { uid: uidHeader[0] } : {}),
    groups: [...new Set(groups)],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
