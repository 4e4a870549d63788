// The slices of the Pod API that volume setup reads, as plain JSON shapes (field names as upstream's
// core/v1), plus the small interface through which volumes fetch API objects.

import type { KubeObject } from '../../api/object.ts';

export interface KeyToPath { key: string; path: string; mode?: number }
export interface ObjectFieldSelector { apiVersion?: string; fieldPath: string }
export interface ResourceFieldSelector { containerName?: string; resource: string; divisor?: string | number }
export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}
export interface ConfigMapVolumeSource { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface SecretVolumeSource { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface DownwardAPIVolumeSource { items?: DownwardAPIVolumeFile[]; defaultMode?: number }
export interface ServiceAccountTokenProjection { audience?: string; expirationSeconds?: number; path: string }
export interface VolumeProjection {
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: ServiceAccountTokenProjection;
  clusterTrustBundle?: unknown;
}
export interface ProjectedVolumeSource { sources?: VolumeProjection[]; defaultMode?: number }
export interface EmptyDirVolumeSource { medium?: string; sizeLimit?: string | number }
export interface HostPathVolumeSource { path: string; type?: string }

export interface Volume {
  name: string;
  emptyDir?: EmptyDirVolumeSource;
  hostPath?: HostPathVolumeSource;
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  downwardAPI?: DownwardAPIVolumeSource;
  projected?: ProjectedVolumeSource;
  [other: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  recursiveReadOnly?: string;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: string;
}

export interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: ObjectFieldSelector; [k: string]: unknown } }

export interface Container {
  name: string;
  volumeMounts?: VolumeMount[];
  env?: EnvVar[];
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  terminationMessagePath?: string;
  [other: string]: unknown;
}

export interface PodSpec {
  volumes?: Volume[];
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  nodeName?: string;
  serviceAccountName?: string;
  hostname?: string;
  subdomain?: string;
  hostNetwork?: boolean;
  hostAliases?: Array<{ ip: string; hostnames?: string[] }>;
  securityContext?: { fsGroup?: number; [k: string]: unknown };
  [other: string]: unknown;
}

/** A pod as the kubelet sees it: metadata.uid, name and namespace are set. */
export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: { podIP?: string; podIPs?: Array<{ ip: string }>; hostIP?: string; [k: string]: unknown };
}

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
  getSecret(namespace: string, name: string): Promise<KubeObject>;
  getConfigMap(namespace: string, name: string): Promise<KubeObject>;
  requestServiceAccountToken(namespace: string, serviceAccountName: string, opts: TokenRequestOptions): Promise<IssuedToken>;
}

export function isNotFoundError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; reason?: unknown };
  return e.code === 404 || e.reason === 'NotFound';
}
