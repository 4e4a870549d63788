import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/api/errors.ts';
import { createAuthorizer, type UserInfo } from '../../../src/apiserver/auth/authz.ts';
import { impersonatedUser } from '../../../src/apiserver/auth/impersonation.ts';

const authorizer = createAuthorizer({ nodeGraph: { podsOnNode: () => [] } });
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

test('no Impersonate-* headers: no impersonation', () => {
  assert.equal(impersonatedUser(authorizer, admin, { authorization: 'Bearer x' }), undefined);
});

test('a master may act as another user with groups, uid and extra', () => {
  const user = impersonatedUser(authorizer, admin, {
    'impersonate-user': 'system:node:n1',
    'impersonate-group': ['system:nodes'],
    'impersonate-uid': 'u-1',
    'impersonate-extra-scopes': 'a, b',
  });
  assert.deepEqual(user, { name: 'system:node:n1', uid: 'u-1', groups: ['system:nodes', 'system:authenticated'], extra: { scopes: ['a', 'b'] } });
});

test('impersonating a service account adds its groups', () => {
  const user = impersonatedUser(authorizer, admin, { 'impersonate-user': 'system:serviceaccount:ns1:sa' });
  assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
});

test('others may not impersonate; groups without a user is a bad request', () => {
  assert.throws(
    () => impersonatedUser(authorizer, bob, { 'impersonate-user': 'admin' }),
    (e) => isStatusError(e, 'Forbidden') && e.message === 'users "admin" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
  );
  assert.throws(() => impersonatedUser(authorizer, admin, { 'impersonate-group': 'system:masters' }), (e) => isStatusError(e, 'BadRequest') && /without impersonating a user/.test(e.message));
});
