// The ServiceAccount admission plugin for pods: defaults serviceAccountName, checks the
// account exists, copies its image pull secrets, and mounts the projected API token.
import type { Pod, ServiceAccount, Volume, VolumeMount } from '../../api/core/index.ts';
import { errors } from '../../api/errors.ts';
import { isMirrorPod } from '../../api/pod/index.ts';

export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Upstream sets a token lifetime just over an hour so that the kubelet's refresh is visible. */
export const serviceAccountTokenExpirationSeconds = 3607;

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters from upstream's unambiguous alphabet, as generated names use. */
export function randomSuffix(n = 5, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

export interface ServiceAccountContext {
  /** The pod's service account as looked up by the caller, or undefined when it does not exist. */
  serviceAccount: ServiceAccount | undefined;
  /** Suffix for the token volume's name; injectable for tests. */
  suffix?: () => string;
}

export function apiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: serviceAccountTokenExpirationSeconds, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Whether the token is mounted: the pod's setting wins, then the account's, then yes. */
export function shouldAutomount(pod: Pod, sa: ServiceAccount | undefined): boolean {
  if (typeof pod.spec?.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa?.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** Mutates the pod (on create). Throws a Forbidden StatusError as upstream's plugin does. */
export function admitServiceAccount(pod: Pod, ctx: ServiceAccountContext): void {
  const name = pod.metadata.name ?? '';
  const spec = (pod.spec ??= { containers: [] });
  if (isMirrorPod(pod)) {
    if (spec.serviceAccountName) throw errors.forbidden({ group: '', resource: 'pods' }, name, 'a mirror pod may not reference service accounts');
    return;
  }
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const sa = ctx.serviceAccount;
  if (!sa) {
    const ns = pod.metadata.namespace ?? '';
    throw errors.forbidden(
      { group: '', resource: 'pods' },
      name,
      `error looking up service account ${ns}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
    );
  }
  if (!(spec.imagePullSecrets && spec.imagePullSecrets.length > 0) && Array.isArray(sa.imagePullSecrets) && sa.imagePullSecrets.length > 0) {
    spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s?.name }));
  }
  if (!shouldAutomount(pod, sa)) return;

  const volumes: Volume[] = (spec.volumes ??= []);
  const taken = new Set(volumes.map((v) => v?.name));
  let volumeName = '';
  do volumeName = `kube-api-access-${(ctx.suffix ?? randomSuffix)()}`;
  while (taken.has(volumeName));
  let needed = false;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of Array.isArray(list) ? list : []) {
      const mounts: VolumeMount[] = (c.volumeMounts ??= []);
      if (mounts.some((m) => m?.mountPath === serviceAccountMountPath)) continue;
      mounts.push({ name: volumeName, readOnly: true, mountPath: serviceAccountMountPath });
      needed = true;
    }
  }
  if (needed) volumes.push(apiAccessVolume(volumeName));
  else if (volumes.length === 0) delete spec.volumes;
}
