// Strategic merge patch, as upstream's apimachinery defines it, walked over the client-node
// type model: maps merge recursively and null deletes a key; lists whose field has the
// `merge` strategy merge element by element on their merge key (or union, for lists of
// primitives); other lists replace. Directives: `$patch: replace|delete|merge`, `$retainKeys`,
// `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`. Where the type is unknown
// the subtree behaves as a JSON merge patch (maps merge, lists replace).
import { isDeepStrictEqual } from 'node:util';
import { arrayItemType, fieldOf, mapValueType, modelFields } from '../schema/models.ts';
import { malformedPatch, unprocessablePatch } from './failures.ts';
import { isRecord } from '../json.ts';
import { patchMeta, strategyMerges, type PatchMeta } from './patchmeta.ts';

type Obj = Record<string, unknown>;
/** A client-node type string ('V1PodSpec', 'Array<V1Container>', ...), undefined if unknown. */
type TypeRef = string | undefined;

export const directiveMarker = '$patch';
export const retainKeysDirective = '$retainKeys';
export const setElementOrderPrefix = '$setElementOrder/';
export const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

function isDirectiveKey(key: string): boolean {
  return key === directiveMarker || key === retainKeysDirective || key.startsWith(setElementOrderPrefix) || key.startsWith(deleteFromPrimitiveListPrefix);
}

function childType(type: TypeRef, key: string): TypeRef {
  if (!type) return undefined;
  const valueType = mapValueType(type);
  if (valueType) return valueType;
  return modelFields(type) ? fieldOf(type, key)?.type : undefined;
}

function listMeta(type: TypeRef, key: string): PatchMeta | undefined {
  return type && modelFields(type) ? patchMeta(type, key) : undefined;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Applies `patch` to a copy of `original`. className is the client-node model class of the
 * object ('V1Pod'); undefined treats the whole object as untyped. Throws StatusError.
 */
export function applyStrategicMergePatch(original: object, patch: object, className: string | undefined): Obj {
  if (!isRecord(patch)) throw malformedPatch('invalid JSON document: a strategic merge patch must be a JSON object');
  const copy = structuredClone(original) as Obj;
  return mergeMap(isRecord(copy) ? copy : {}, patch, className, '');
}

// `original` is a private copy and is changed in place.
function mergeMap(original: Obj, patch: Obj, type: TypeRef, path: string): Obj {
  const directive = patch[directiveMarker];
  if (directive === 'replace') {
    const { [directiveMarker]: _, ...rest } = patch;
    return mergeMap({}, rest, type, path);
  }
  if (directive === 'delete') return {};
  if (directive !== undefined && directive !== 'merge') throw badPatchType(directive, patch);

  if (retainKeysDirective in patch) applyRetainKeys(original, patch, path);
  for (const [key, values] of Object.entries(patch)) {
    if (!key.startsWith(deleteFromPrimitiveListPrefix)) continue;
    if (!Array.isArray(values)) throw malformedPatch('invalid patch format of primitive list');
    const field = key.slice(deleteFromPrimitiveListPrefix.length);
    const current = original[field];
    if (Array.isArray(current)) original[field] = current.filter((item) => !values.some((v) => isDeepStrictEqual(v, item)));
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(setElementOrderPrefix)) {
      // Only an order, with no patch list beside it: reorder what the server has.
      const field = key.slice(setElementOrderPrefix.length);
      if (!(field in patch) && Array.isArray(original[field])) {
        original[field] = mergeList(original[field] as unknown[], [], listMeta(type, field), childType(type, field), value, join(path, field));
      }
      continue;
    }
    if (isDirectiveKey(key)) continue;
    if (value === null) {
      delete original[key];
      continue;
    }
    const current = original[key];
    const fieldType = childType(type, key);
    if (isRecord(value)) {
      original[key] = mergeMap(isRecord(current) ? current : {}, value, fieldType, join(path, key));
    } else if (Array.isArray(value)) {
      const order = patch[setElementOrderPrefix + key];
      original[key] = mergeList(Array.isArray(current) ? current : [], value, listMeta(type, key), fieldType, order, join(path, key));
    } else {
      original[key] = value;
    }
  }
  return original;
}

function applyRetainKeys(original: Obj, patch: Obj, path: string): void {
  const keys = patch[retainKeysDirective];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw malformedPatch('invalid patch format of retainKeys');
  const retained = new Set(keys as string[]);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || isDirectiveKey(key)) continue;
    if (!retained.has(key)) throw unprocessablePatch(`patch content doesn't match retainKeys list (${join(path, key)} is not in it)`);
  }
  for (const key of Object.keys(original)) if (!retained.has(key)) delete original[key];
}

function badPatchType(directive: unknown, patch: Obj) {
  return malformedPatch(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
}

function mergeList(original: unknown[], patch: unknown[], meta: PatchMeta | undefined, listType: TypeRef, order: unknown, path: string): unknown[] {
  const itemType = listType ? arrayItemType(listType) : undefined;
  if (!strategyMerges(meta)) return patch.map((item) => sanitize(item, itemType, path));
  if (order !== undefined && !Array.isArray(order)) throw malformedPatch('invalid patch format of setElementOrder list');
  const mergeKey = meta?.mergeKey;

  const replacing = patch.some((item) => isRecord(item) && item[directiveMarker] === 'replace');
  if (replacing) {
    const rest = patch.filter((item) => !(isRecord(item) && item[directiveMarker] === 'replace'));
    return rest.map((item) => sanitize(item, itemType, path));
  }

  let merged: unknown[];
  let keyOf: (item: unknown) => string;
  if (!mergeKey) {
    // A set of primitives (finalizers): union, first occurrence wins.
    keyOf = (item) => JSON.stringify(item);
    const seen = new Set<string>();
    merged = [...original, ...patch].filter((item) => {
      const k = keyOf(item);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  } else {
    keyOf = (item) => (isRecord(item) ? JSON.stringify(item[mergeKey]) : JSON.stringify(item));
    merged = mergeKeyedList(original, patch, mergeKey, itemType, keyOf, path);
  }
  if (!order) return merged;
  const orderKeys = (order as unknown[]).map((entry) => {
    if (!mergeKey) return keyOf(entry);
    if (!isRecord(entry) || !(mergeKey in entry)) throw malformedPatch('invalid patch format of setElementOrder list');
    return keyOf(entry);
  });
  return applyElementOrder(merged, original.map(keyOf), orderKeys, keyOf);
}

function mergeKeyedList(original: unknown[], patch: unknown[], mergeKey: string, itemType: TypeRef, keyOf: (item: unknown) => string, path: string): unknown[] {
  const deleted = new Set<string>();
  const updates: Obj[] = [];
  for (const item of patch) {
    if (!isRecord(item)) throw malformedPatch(`expected a map, but received a ${Array.isArray(item) ? 'slice' : typeof item} in ${path}`);
    const directive = item[directiveMarker];
    if (!(mergeKey in item)) throw malformedPatch(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey} (in ${path})`);
    if (directive === 'delete') deleted.add(keyOf(item));
    else if (directive === undefined || directive === 'merge') updates.push(item);
    else throw badPatchType(directive, item);
  }
  const result = original.filter((item) => !deleted.has(keyOf(item)));
  for (const update of updates) {
    const { [directiveMarker]: _, ...body } = update;
    const index = result.findIndex((item) => isRecord(item) && keyOf(item) === keyOf(update));
    if (index >= 0) result[index] = mergeMap(result[index] as Obj, body, itemType, path);
    else result.push(mergeMap({}, body, itemType, path));
  }
  return result;
}

/**
 * Orders a merged list by `$setElementOrder`: elements it names come in its order; the others
 * (known only to the server) keep their server positions relative to those.
 */
export function applyElementOrder(merged: unknown[], serverKeys: string[], orderKeys: string[], keyOf: (item: unknown) => string): unknown[] {
  const orderIndex = new Map(orderKeys.map((k, i) => [k, i] as const));
  const serverIndex = new Map(serverKeys.map((k, i) => [k, i] as const));
  const byIndex = (index: Map<string, number>) => (a: unknown, b: unknown) =>
    (index.get(keyOf(a)) ?? Number.MAX_SAFE_INTEGER) - (index.get(keyOf(b)) ?? Number.MAX_SAFE_INTEGER);
  const named = merged.filter((item) => orderIndex.has(keyOf(item))).sort(byIndex(orderIndex));
  const serverOnly = merged.filter((item) => !orderIndex.has(keyOf(item))).sort(byIndex(serverIndex));
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < named.length || j < serverOnly.length) {
    if (j >= serverOnly.length) result.push(named[i++]);
    else if (i >= named.length) result.push(serverOnly[j++]);
    else {
      const a = serverIndex.get(keyOf(named[i]));
      const b = serverIndex.get(keyOf(serverOnly[j]));
      if (a !== undefined && b !== undefined && a < b) result.push(named[i++]);
      else result.push(serverOnly[j++]);
    }
  }
  return result;
}

/** A patch value placed where the server had nothing: directives resolved, nulls dropped. */
function sanitize(value: unknown, type: TypeRef, path: string): unknown {
  return isRecord(value) ? mergeMap({}, value, type, path) : structuredClone(value);
}
