import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { defaultIssuer, issueServiceAccountToken, keyId, TokenError, verifyServiceAccountToken } from '../../../src/apiserver/auth/tokens.ts';

let privatePem: string;
let publicPem: string;
let otherPrivatePem: string;

before(() => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  otherPrivatePem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
});

const request = {
  namespace: 'ns1',
  serviceAccountName: 'sa1',
  serviceAccountUid: 'uid-sa',
  audiences: ['api', 'vault'],
  expirationSeconds: 3600,
  boundPod: { name: 'pod1', uid: 'uid-pod' },
};
const t0 = new Date('2025-01-01T00:00:00Z');

test('tokens carry upstream claims', async () => {
  const token = await issueServiceAccountToken(privatePem, { ...request, now: t0 });
  const claims = decodeJwt(token) as Record<string, any>;
  assert.equal(claims.iss, defaultIssuer);
  assert.equal(claims.sub, 'system:serviceaccount:ns1:sa1');
  assert.deepEqual(claims.aud, ['api', 'vault']);
  assert.equal(claims.iat, t0.getTime() / 1000);
  assert.equal(claims.nbf, claims.iat);
  assert.equal(claims.exp, claims.iat + 3600);
  assert.equal(typeof claims.jti, 'string');
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'ns1', serviceaccount: { name: 'sa1', uid: 'uid-sa' }, pod: { name: 'pod1', uid: 'uid-pod' } });
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.kid, keyId(publicPem));
});

test('round trip: verification returns the claims and the accepted audiences', async () => {
  const token = await issueServiceAccountToken(privatePem, { ...request, now: t0 });
  const c = await verifyServiceAccountToken(publicPem, token, { issuer: defaultIssuer, audiences: ['vault', 'other'], now: new Date(t0.getTime() + 1000) });
  assert.equal(c.namespace, 'ns1');
  assert.equal(c.serviceAccountName, 'sa1');
  assert.equal(c.serviceAccountUid, 'uid-sa');
  assert.deepEqual(c.pod, { name: 'pod1', uid: 'uid-pod' });
  assert.deepEqual(c.audiences, ['vault']);
});

test('expired, not yet valid, foreign, wrong-audience and wrong-issuer tokens are refused', async () => {
  const token = await issueServiceAccountToken(privatePem, { ...request, now: t0 });
  const opts = { issuer: defaultIssuer, audiences: ['api'] };
  await assert.rejects(verifyServiceAccountToken(publicPem, token, { ...opts, now: new Date(t0.getTime() + 3600_000 + 61_000) }), {
    message: 'service account token has expired',
  });
  // Within the minute of leeway it still passes.
  await verifyServiceAccountToken(publicPem, token, { ...opts, now: new Date(t0.getTime() + 3600_000 + 30_000) });
  await assert.rejects(verifyServiceAccountToken(publicPem, token, { ...opts, now: new Date(t0.getTime() - 120_000) }), {
    message: 'service account token is not valid yet',
  });
  const foreign = await issueServiceAccountToken(otherPrivatePem, { ...request, now: t0 });
  await assert.rejects(verifyServiceAccountToken(publicPem, foreign, { ...opts, now: t0 }), (e) => e instanceof TokenError && /signature/.test(e.message));
  await assert.rejects(verifyServiceAccountToken(publicPem, token, { ...opts, audiences: ['nope'], now: t0 }), /token audiences \["api","vault"\] is invalid for the target audiences \["nope"\]/);
  const otherIssuer = await issueServiceAccountToken(privatePem, { ...request, issuer: 'https://elsewhere', now: t0 });
  await assert.rejects(verifyServiceAccountToken(publicPem, otherIssuer, { ...opts, now: t0 }), TokenError);
  await assert.rejects(verifyServiceAccountToken(publicPem, 'not.a.jwt', { ...opts, now: t0 }), TokenError);
});
