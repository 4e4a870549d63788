// JSON encoding with one shared serialization per cached object: objects from the watch cache
// are frozen and shared, so every list and watch that sends one reuses the same text.
import type { KubeList, KubeObject } from '../../api/object.ts';

const serialized = new WeakMap<object, string>();

export function objectJson(obj: KubeObject): string {
  if (!Object.isFrozen(obj)) return JSON.stringify(obj);
  let s = serialized.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    serialized.set(obj, s);
  }
  return s;
}

/** A list's JSON, its items spliced in from their cached text. */
export function listJson(list: KubeList): string {
  const { items, ...rest } = list;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"items":[${items.map(objectJson).join(',')}]}`;
}
