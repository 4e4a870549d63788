// The kubelet's webhook caches, as upstream's: a TokenReview's answer is kept for
// authentication.webhook.cacheTTL (2 min), a SubjectAccessReview's for
// authorization.webhook.cacheAuthorizedTTL (5 min) when allowed and cacheUnauthorizedTTL (30 s)
// when not. Without them every request to the kubelet API costs a round trip to the API server
// first (an exec, a log, a stats scrape). Errors are not kept: the next request asks again.
import type { SubjectAccessReview, TokenReview } from '../../api/auth.ts';
import type { KubeletAuthOptions } from './auth.ts';

export interface ReviewCacheTTLs {
  tokenMs: number;
  authorizedMs: number;
  unauthorizedMs: number;
}


/** Enough for every caller a node sees; past it the oldest answers go first. */
const MAX_ENTRIES = 4096;

type Review = TokenReview | SubjectAccessReview;
type Reviewer = NonNullable<KubeletAuthOptions['review']>;

/** How long an answer may be reused (0: not at all). Pure. */
export function reviewTTL(answer: Review, ttls: ReviewCacheTTLs): number {
  if (answer.kind === 'TokenReview') return ttls.tokenMs;
  return (answer as SubjectAccessReview).status?.allowed ? ttls.authorizedMs : ttls.unauthorizedMs;
}

/** A reviewer that answers from the cache what it asked within the TTL. */
export function cachingReviewer(review: Reviewer, ttls: ReviewCacheTTLs, now: () => number = Date.now): Reviewer {
  const answers = new Map<string, { expires: number; answer: Review }>();
  return (async <R extends Review>(path: string, body: R): Promise<R> => {
    const key = `${path} ${JSON.stringify(body.spec)}`;
    const hit = answers.get(key);
    if (hit && hit.expires > now()) return hit.answer as R;
    answers.delete(key);
    const answer = await review(path, body);
    const ttl = reviewTTL(answer, ttls);
    if (ttl > 0) {
      if (answers.size >= MAX_ENTRIES) answers.delete(answers.keys().next().value!);
      answers.set(key, { expires: now() + ttl, answer });
    }
    return answer;
  }) as Reviewer;
}
