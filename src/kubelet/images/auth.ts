// Registry credentials from imagePullSecrets (kubernetes.io/dockerconfigjson and
// kubernetes.io/dockercfg), matched to an image's registry as CRI AuthConfig.
import type { AuthConfig, In } from '../runtime/cri/types.ts';

export interface PullSecret { type?: string; data?: Record<string, string> }

interface DockerEntry { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }

/** The registry host of an image reference ("busybox" → docker.io). */
export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first === 'index.docker.io' ? 'docker.io' : first;
  return 'docker.io';
}

/** A config key ("https://index.docker.io/v1/", "registry:5000/path") → its host. */
function keyHost(key: string): string {
  let k = key.replace(/^https?:\/\//, '');
  k = k.split('/')[0];
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') return 'docker.io';
  return k;
}

function entries(secret: PullSecret): Record<string, DockerEntry> {
  const d = secret.data ?? {};
  try {
    if (d['.dockerconfigjson']) {
      const parsed = JSON.parse(Buffer.from(d['.dockerconfigjson'], 'base64').toString('utf8')) as { auths?: Record<string, DockerEntry> };
      return parsed.auths ?? {};
    }
    if (d['.dockercfg']) return JSON.parse(Buffer.from(d['.dockercfg'], 'base64').toString('utf8')) as Record<string, DockerEntry>;
  } catch { /* a malformed secret gives no credentials */ }
  return {};
}

/** Credentials for the image's registry from the pull secrets, in order. */
export function credentialsFor(image: string, secrets: PullSecret[]): In<AuthConfig>[] {
  const registry = imageRegistry(image);
  const out: In<AuthConfig>[] = [];
  for (const s of secrets) {
    for (const [key, e] of Object.entries(entries(s))) {
      if (keyHost(key) !== registry) continue;
      let { username = '', password = '' } = e;
      if (e.auth && !username) {
        const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) { username = decoded.slice(0, i); password = decoded.slice(i + 1); }
      }
      // No serverAddress, as upstream's keyring gives none: containerd parses it as a URL and,
      // when its host is not the registry's ("localhost:5000" has none), pulls without credentials.
      out.push({ username, password, serverAddress: '', identityToken: e.identitytoken ?? '', registryToken: e.registrytoken ?? '' });
    }
  }
  return out;
}
