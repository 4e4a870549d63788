// The narrow slice of the registry Store (and its watch cache) the scheduler uses, so its loop
// can run over real stores in the API server and over small fakes in tests.
import type { KubeObject } from '../../api/object.ts';

export interface CacheEventLike {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
  prevObject?: KubeObject;
}

export interface ObjectCache {
  list(opts?: { prefix?: string }): { items: KubeObject[]; revision: number };
  watch(afterRevision: number, onEvents: (events: CacheEventLike[]) => void, signal: AbortSignal): void;
}

export interface ObjectStore {
  cache: ObjectCache;
  create(namespace: string, obj: KubeObject): Promise<KubeObject>;
  guaranteedUpdate(namespace: string, name: string, mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>, subresource?: string): Promise<KubeObject>;
}

export function objectKeyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}
