// Adapters from the kubelet's REST client to the small interfaces of the volume, env, and status
// pieces, with a short cache for the configmaps and secrets pods read.
import { isStatusError } from '../../api/errors.ts';
import type { TokenRequest } from '../../api/auth.ts';
import type { ConfigMap, Pod, Secret } from '../../api/core/index.ts';
import type { ApiClient } from '../client/client.ts';
import type { EnvSources } from '../kuberuntime/index.ts';
import type { PodStatusClient } from '../status/index.ts';
import type { VolumeObjectSource } from '../volume/index.ts';

const cacheTtlMs = 5_000;

const ns = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

export interface ObjectReader {
  (resource: 'configmaps', namespace: string, name: string): Promise<ConfigMap>;
  (resource: 'secrets', namespace: string, name: string): Promise<Secret>;
}

/** Reads of configmaps and secrets, cached briefly (upstream's TTL cache manager). */
export function objectReader(api: ApiClient): ObjectReader {
  const cache = new Map<string, { at: number; value: Promise<ConfigMap | Secret> }>();
  function read(resource: 'configmaps', namespace: string, name: string): Promise<ConfigMap>;
  function read(resource: 'secrets', namespace: string, name: string): Promise<Secret>;
  function read(resource: 'configmaps' | 'secrets', namespace: string, name: string): Promise<ConfigMap | Secret> {
    const key = `${resource}/${namespace}/${name}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < cacheTtlMs) return hit.value;
    const value = api.get<ConfigMap | Secret>(`${ns(namespace)}/${resource}/${encodeURIComponent(name)}`);
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key));
    return value;
  }
  return read;
}

export function volumeObjects(api: ApiClient, read: ObjectReader): VolumeObjectSource {
  return {
    getSecret: (namespace, name) => read('secrets', namespace, name),
    getConfigMap: (namespace, name) => read('configmaps', namespace, name),
    async requestServiceAccountToken(namespace, sa, o) {
      const request: TokenRequest = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: {},
        spec: {
          audiences: o.audiences,
          expirationSeconds: o.expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: o.boundPod.name, uid: o.boundPod.uid },
        },
      };
      const tr = await api.create<TokenRequest>(`${ns(namespace)}/serviceaccounts/${encodeURIComponent(sa)}/token`, request);
      if (!tr.status) throw new Error(`TokenRequest for ${namespace}/${sa} answered without a status`);
      return { token: tr.status.token, expirationTimestamp: tr.status.expirationTimestamp };
    },
  };
}

export function envSources(read: ObjectReader): EnvSources {
  const orUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return undefined;
      throw e;
    }
  };
  return {
    getConfigMap: (namespace, name) => orUndefined(read('configmaps', namespace, name)),
    getSecret: (namespace, name) => orUndefined(read('secrets', namespace, name)),
  };
}

export function podStatusClient(api: ApiClient): PodStatusClient {
  return {
    getPod: (namespace, name) => api.get<Pod>(`${ns(namespace)}/pods/${encodeURIComponent(name)}`),
    patchPodStatus: (namespace, name, patch) => api.patch(`${ns(namespace)}/pods/${encodeURIComponent(name)}/status`, patch, 'strategic'),
    async deletePod(namespace, name, uid) {
      await api.delete(`${ns(namespace)}/pods/${encodeURIComponent(name)}`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
      });
    },
  };
}

/** An image pull secret (imagePullSecrets), or undefined when it does not exist. */
export async function pullSecret(read: ObjectReader, namespace: string, name: string): Promise<{ type?: string; data?: Record<string, string> } | undefined> {
  try {
    const s = await read('secrets', namespace, name);
    return { type: s.type, data: s.data };
  } catch (e) {
    if (isStatusError(e, 'NotFound')) return undefined;
    throw e;
  }
}
