// What volume setup produces (the host path to bind into containers) and the small interface
// through which volumes fetch API objects. The pod and its volumes are core/v1's (src/api/core).

import type { ConfigMap, Secret } from '../../api/core/index.ts';

/** What a volume ends up as on the host: the path to bind into containers. */
export interface MountedVolume {
  hostPath: string;
  readOnly: boolean;
  /** Whether the runtime may relabel it for SELinux (kubelet-managed directories; not hostPath). */
  selinuxRelabel?: boolean;
}

export interface TokenRequestOptions {
  /** Empty means the API server's default audiences. */
  audiences: string[];
  expirationSeconds: number;
  boundPod: { name: string; uid: string };
}

export interface IssuedToken {
  token: string;
  /** RFC 3339, from TokenRequest status.expirationTimestamp. */
  expirationTimestamp: string;
}

/**
 * The API objects volumes need. The integrator backs it with the REST client (and a cache).
 * A missing object must reject with an error for which `isNotFoundError` holds: a `StatusError`
 * with reason 'NotFound' / code 404 (what the kubelet's KubeClient already throws), or any error
 * carrying `code === 404`.
 */
export interface VolumeObjectSource {
  getSecret(namespace: string, name: string): Promise<Secret>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMap>;
  requestServiceAccountToken(namespace: string, serviceAccountName: string, opts: TokenRequestOptions): Promise<IssuedToken>;
}

export function isNotFoundError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; reason?: unknown };
  return e.code === 404 || e.reason === 'NotFound';
}
