// Service account tokens for projected volumes, as upstream's token manager: one TokenRequest
// per (namespace, service account, audiences, lifetime, bound pod), reused until 80% of its
// lifetime has passed or it is older than 24 hours.

import type { Clock } from '../clock.ts';
import type { TokenRequestOptions, VolumeObjectSource } from './types.ts';

const maxTTLMs = 24 * 60 * 60 * 1000;

export interface CachedToken {
  token: string;
  expiration: Date;
  /** The lifetime that was asked for: issue time is expiration minus this, as upstream reckons it. */
  expirationSeconds: number;
}

/** Whether a cached token must be requested again at now. */
export function tokenNeedsRefresh(t: CachedToken, now: Date): boolean {
  const exp = t.expiration.getTime();
  const ttlMs = t.expirationSeconds * 1000;
  const issuedAt = exp - ttlMs;
  if (now.getTime() >= issuedAt + maxTTLMs) return true;
  return now.getTime() >= exp - ttlMs * 0.2;
}

function cacheKey(namespace: string, sa: string, opts: TokenRequestOptions): string {
  return JSON.stringify([namespace, sa, [...opts.audiences].sort(), opts.expirationSeconds, opts.boundPod.uid]);
}

export class ServiceAccountTokenManager {
  private readonly cache = new Map<string, { podUid: string; entry: CachedToken }>();

  constructor(
    private readonly source: Pick<VolumeObjectSource, 'requestServiceAccountToken'>,
    private readonly clock: Clock,
  ) {}

  async getToken(namespace: string, serviceAccountName: string, opts: TokenRequestOptions): Promise<string> {
    const key = cacheKey(namespace, serviceAccountName, opts);
    const cached = this.cache.get(key);
    if (cached && !tokenNeedsRefresh(cached.entry, this.clock.now())) return cached.entry.token;
    try {
      const issued = await this.source.requestServiceAccountToken(namespace, serviceAccountName, opts);
      const expiration = new Date(issued.expirationTimestamp);
      if (Number.isNaN(expiration.getTime())) throw new Error(`token request returned an invalid expirationTimestamp ${JSON.stringify(issued.expirationTimestamp)}`);
      this.cache.set(key, { podUid: opts.boundPod.uid, entry: { token: issued.token, expiration, expirationSeconds: opts.expirationSeconds } });
      return issued.token;
    } catch (e) {
      // A token that still works beats a failed mount while the API server is away.
      if (cached && this.clock.now() < cached.entry.expiration) return cached.entry.token;
      throw e;
    }
  }

  /** Drops the tokens bound to a pod (on teardown). */
  forgetPod(podUid: string): void {
    for (const [key, v] of this.cache) if (v.podUid === podUid) this.cache.delete(key);
  }

  get size(): number {
    return this.cache.size;
  }
}
