// The kubelet's webhook caches: answers reused within their TTL (upstream's defaults: a token 2 min,
// an allowed access 5 min, a denied one 30 s), asked again after, errors never kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubjectAccessReview, TokenReview } from '../../../src/api/auth.ts';
import { cachingReviewer } from '../../../src/kubelet/server/reviewcache.ts';

const ttls = { tokenMs: 120_000, authorizedMs: 300_000, unauthorizedMs: 30_000 };
const sar = (user: string): SubjectAccessReview => ({
  apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
  spec: { user, groups: [], resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'n1' } },
});
const SAR_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

function fakeApi(allowed: (user: string) => boolean) {
  const asked: string[] = [];
  let fail = false;
  const review = async <R extends TokenReview | SubjectAccessReview>(_path: string, body: R): Promise<R> => {
    if (fail) throw new Error('API server unreachable');
    if (body.kind === 'TokenReview') {
      asked.push(`token ${(body as TokenReview).spec.token}`);
      return { ...body, status: { authenticated: true, user: { username: 'alice' } } };
    }
    const user = (body as SubjectAccessReview).spec.user!;
    asked.push(`sar ${user}`);
    return { ...body, status: { allowed: allowed(user) } };
  };
  return { review, asked, setFailing: (v: boolean) => (fail = v) };
}

describe('kubelet webhook review cache', () => {
  it('reuses an allowed answer for 5 minutes and a denied one for 30 seconds, then asks again', async () => {
    let t = 0;
    const api = fakeApi((u) => u === 'admin');
    const review = cachingReviewer(api.review, ttls, () => t);
    for (const at of [0, 1_000, 29_000]) {
      t = at;
      assert.equal((await review(SAR_PATH, sar('admin'))).status?.allowed, true);
      assert.equal((await review(SAR_PATH, sar('node'))).status?.allowed, false);
    }
    assert.deepEqual(api.asked, ['sar admin', 'sar node']);
    t = 31_000;
    await review(SAR_PATH, sar('admin'));
    await review(SAR_PATH, sar('node'));
    assert.deepEqual(api.asked, ['sar admin', 'sar node', 'sar node'], 'the denial expired, the allowance not');
    t = 301_000;
    await review(SAR_PATH, sar('admin'));
    assert.deepEqual(api.asked.at(-1), 'sar admin');
  });

  it('keeps a token\'s answer for its TTL, apart per token', async () => {
    let t = 0;
    const api = fakeApi(() => true);
    const review = cachingReviewer(api.review, ttls, () => t);
    const token = (v: string): TokenReview => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: v } });
    await review('/apis/authentication.k8s.io/v1/tokenreviews', token('a'));
    await review('/apis/authentication.k8s.io/v1/tokenreviews', token('a'));
    await review('/apis/authentication.k8s.io/v1/tokenreviews', token('b'));
    t = 120_001;
    await review('/apis/authentication.k8s.io/v1/tokenreviews', token('a'));
    assert.deepEqual(api.asked, ['token a', 'token b', 'token a']);
  });

  it('keeps no error: the next request asks again', async () => {
    const api = fakeApi(() => true);
    const review = cachingReviewer(api.review, ttls, () => 0);
    api.setFailing(true);
    await assert.rejects(review(SAR_PATH, sar('admin')), /unreachable/);
    api.setFailing(false);
    assert.equal((await review(SAR_PATH, sar('admin'))).status?.allowed, true);
    assert.deepEqual(api.asked, ['sar admin']);
  });
});
