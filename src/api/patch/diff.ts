// Two-way strategic merge patch: the patch that turns `original` into `modified`, in the form
// upstream clients send (the kubelet's pod status patches: changed fields, merge-keyed list
// elements, `$setElementOrder/<field>`, `$patch: delete`, `$deleteFromPrimitiveList/<field>`).
import { isDeepStrictEqual } from 'node:util';
import { fieldOf, mapValueType, modelFields, arrayItemType } from '../schema/models.ts';
import { isRecord } from '../json.ts';
import { patchMeta, strategyMerges, strategyRetainsKeys, type PatchMeta } from './patchmeta.ts';
import { deleteFromPrimitiveListPrefix, directiveMarker, retainKeysDirective, setElementOrderPrefix } from './strategic.ts';

type Obj = Record<string, unknown>;
type TypeRef = string | undefined;

function childType(type: TypeRef, key: string): TypeRef {
  if (!type) return undefined;
  return mapValueType(type) ?? (modelFields(type) ? fieldOf(type, key)?.type : undefined);
}

/** The patch from `original` to `modified`; `{}` when they are equal. */
export function createStrategicMergePatch(original: object, modified: object, className: string | undefined): Obj {
  return diffMaps(original as Obj, modified as Obj, className, false);
}

function diffMaps(original: Obj, modified: Obj, type: TypeRef, retainKeys: boolean): Obj {
  const patch: Obj = {};
  for (const key of Object.keys(original)) if (!(key in modified)) patch[key] = null;
  for (const [key, value] of Object.entries(modified)) {
    const before = original[key];
    if (before === undefined || value === null || value === undefined) {
      if (value !== undefined && !isDeepStrictEqual(before, value)) patch[key] = structuredClone(value);
      continue;
    }
    if (isDeepStrictEqual(before, value)) continue;
    const fieldType = childType(type, key);
    if (isRecord(before) && isRecord(value)) {
      const sub = diffMaps(before, value, fieldType, false);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (Array.isArray(before) && Array.isArray(value)) {
      const meta = type && modelFields(type) ? patchMeta(type, key) : undefined;
      diffList(patch, key, before, value, meta, fieldType ? arrayItemType(fieldType) : undefined);
    } else {
      patch[key] = structuredClone(value);
    }
  }
  if (retainKeys && Object.keys(patch).length > 0) patch[retainKeysDirective] = Object.keys(modified).sort();
  return patch;
}

function diffList(patch: Obj, key: string, before: unknown[], after: unknown[], meta: PatchMeta | undefined, itemType: TypeRef): void {
  if (!strategyMerges(meta)) {
    patch[key] = structuredClone(after);
    return;
  }
  const mergeKey = meta?.mergeKey;
  if (!mergeKey) {
    const added = after.filter((a) => !before.some((b) => isDeepStrictEqual(a, b)));
    const removed = before.filter((b) => !after.some((a) => isDeepStrictEqual(a, b)));
    if (added.length > 0) patch[key] = structuredClone(added);
    if (removed.length > 0) patch[deleteFromPrimitiveListPrefix + key] = structuredClone(removed);
    patch[setElementOrderPrefix + key] = structuredClone(after);
    return;
  }
  const keyed = (items: unknown[]) => items.every((item) => isRecord(item) && item[mergeKey] !== undefined);
  if (!keyed(before) || !keyed(after)) {
    // Elements without their merge key cannot be addressed: replace the list whole.
    patch[key] = [...structuredClone(after), { [directiveMarker]: 'replace' }];
    return;
  }
  const find = (items: unknown[], k: unknown) => items.find((item) => isDeepStrictEqual((item as Obj)[mergeKey], k)) as Obj | undefined;
  const elements: Obj[] = [];
  for (const item of after as Obj[]) {
    const old = find(before, item[mergeKey]);
    if (!old) elements.push(structuredClone(item));
    else if (!isDeepStrictEqual(old, item)) {
      elements.push({ [mergeKey]: item[mergeKey], ...diffMaps(old, item, itemType, meta !== undefined && strategyRetainsKeys(meta)) });
    }
  }
  for (const item of before as Obj[]) {
    if (!find(after, item[mergeKey])) elements.push({ [mergeKey]: item[mergeKey], [directiveMarker]: 'delete' });
  }
  if (elements.length > 0) patch[key] = elements;
  patch[setElementOrderPrefix + key] = (after as Obj[]).map((item) => ({ [mergeKey]: item[mergeKey] }));
}
