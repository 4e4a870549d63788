import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator, type Authenticator } from '../../../src/apiserver/auth/authn.ts';
import { createAuthorizer } from '../../../src/apiserver/auth/authz.ts';
import { ensurePki, type Pki } from '../../../src/pki/pki.ts';
import { reviewAccess, reviewSelf, reviewSelfAccess, reviewToken } from '../../../src/apiserver/auth/reviews.ts';
import { issueServiceAccountToken } from '../../../src/apiserver/auth/tokens.ts';
import { isStatusError } from '../../../src/api/errors.ts';

let pki: Pki;
let authenticator: Authenticator;
const authorizer = createAuthorizer({ nodeGraph: { podsOnNode: () => [] } });

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-reviews-'));
  pki = await ensurePki(join(dir, 'pki'), { hosts: [] });
  await writeFile(join(dir, 'tokens'), 'tok,alice,7,"g1"\n');
  authenticator = createAuthenticator({ clientCaPem: pki.caCertPem, tokenAuthFile: join(dir, 'tokens'), serviceAccountPublicKeyPem: pki.saPublicKeyPem });
  await rm(dir, { recursive: true, force: true });
});

const tokenReview = (token: string, audiences?: string[]) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token, audiences } });

test('TokenReview of a valid static token', async () => {
  const out = await reviewToken(authenticator, tokenReview('tok'));
  assert.equal(out.kind, 'TokenReview');
  assert.deepEqual(out.status, {
    authenticated: true,
    user: { username: 'alice', uid: '7', groups: ['g1', 'system:authenticated'] },
    audiences: ['https://kubernetes.default.svc.cluster.local'],
  });
});

test('TokenReview with audiences: service-account tokens answer for theirs', async () => {
  const token = await issueServiceAccountToken(pki.saPrivateKeyPem, {
    namespace: 'ns', serviceAccountName: 'sa', serviceAccountUid: 'u', audiences: ['vault'], expirationSeconds: 600,
  });
  const ok = await reviewToken(authenticator, tokenReview(token, ['vault']));
  assert.equal(ok.status.authenticated, true);
  assert.equal(ok.status.user.username, 'system:serviceaccount:ns:sa');
  assert.deepEqual(ok.status.audiences, ['vault']);
  // Without audiences the API server's own audience is required, which this token lacks.
  const wrong = await reviewToken(authenticator, tokenReview(token));
  assert.equal(wrong.status.authenticated, undefined);
  assert.match(wrong.status.error ?? '', /token audiences \["vault"\] is invalid/);
});

test('TokenReview of a bad token reports the error; an empty token is a bad request', async () => {
  const out = await reviewToken(authenticator, tokenReview('bogus'));
  assert.deepEqual(out.status, { user: {}, error: 'invalid bearer token' });
  await assert.rejects(reviewToken(authenticator, tokenReview('')), (e) => isStatusError(e, 'BadRequest'));
});

test('SubjectAccessReview answers for the user in spec', () => {
  const body = (spec: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec });
  const masters = reviewAccess(authorizer, body({ user: 'root', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'x' } }));
  assert.equal(masters.status.allowed, true);
  const bob = reviewAccess(authorizer, body({ user: 'bob', groups: ['system:authenticated'], resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'x' } }));
  assert.equal(bob.status.allowed, false);
  const discovery = reviewAccess(authorizer, body({ user: 'bob', groups: ['system:authenticated'], nonResourceAttributes: { verb: 'get', path: '/apis' } }));
  assert.equal(discovery.status.allowed, true);
  const node = reviewAccess(authorizer, body({ user: 'system:node:n1', groups: ['system:nodes'], resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'x', name: 's' } }));
  assert.deepEqual(node.status, { allowed: false, reason: "no relationship found between node 'n1' and this object" });
});

test('SubjectAccessReview validation', () => {
  const bad = (spec: object, re: RegExp) =>
    assert.throws(() => reviewAccess(authorizer, { metadata: {}, spec }), (e) => isStatusError(e, 'Invalid') && re.test(e.message));
  bad({ user: 'u' }, /spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified/);
  bad({ user: 'u', resourceAttributes: {}, nonResourceAttributes: {} }, /spec.nonResourceAttributes: Invalid value/);
  bad({ resourceAttributes: { verb: 'get' } }, /spec.user: Invalid value: "": at least one of user or group must be specified/);
});

test('SelfSubjectAccessReview and SelfSubjectReview use the caller', () => {
  const bob = { name: 'bob', uid: '9', groups: ['system:authenticated'] };
  const self = reviewSelfAccess(authorizer, bob, { metadata: {}, spec: { resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' } } });
  assert.equal(self.kind, 'SelfSubjectAccessReview');
  assert.equal(self.status.allowed, true);
  const who = reviewSelf(bob);
  assert.deepEqual(who.status, { userInfo: { username: 'bob', uid: '9', groups: ['system:authenticated'] } });
  assert.equal(who.apiVersion, 'authentication.k8s.io/v1');
});
