// The scheduler's view of objects: their "namespace/name" key, as its queue and caches use it.
import type { KubeObject } from '../../api/object.ts';

export function objectKeyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}
