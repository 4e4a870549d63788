// Server-side apply's operations on objects (structured-merge-diff's typed package): an
// object's fields as a set of paths with their values, the merge of an applied configuration
// into the live object, and the removal of fields.
import { isRecord } from '../json.ts';
import { child, elements, fieldElement, keyElement, valueElement, type FieldPath, type FieldSet } from './fieldpath.ts';
import { childShape, itemKeys, itemShape, rootShape, type Shape } from './schema.ts';

type Obj = Record<string, unknown>;

/** The value recorded for a list item or set member: only its presence counts. */
const present = '';

/**
 * Every field of an object that can be owned, with the JSON of its value (leaves) or
 * `present` (list items, set members). `ignored` paths (and all inside them) are left out.
 */
export function fieldValues(obj: unknown, className: string | undefined, ignored: ReadonlySet<FieldPath> = new Set()): Map<FieldPath, string> {
  const out = new Map<FieldPath, string>();
  const visit = (value: unknown, shape: Shape, path: FieldPath) => {
    if (ignored.has(path)) return;
    switch (shape.kind) {
      case 'leaf':
        out.set(path, JSON.stringify(value));
        return;
      case 'struct':
      case 'map':
        for (const [k, v] of Object.entries(value as Obj)) if (v !== undefined) visit(v, childShape(shape, k, v), child(path, fieldElement(k)));
        return;
      case 'associative':
        for (const item of value as unknown[]) {
          const itemPath = child(path, keyElement(itemKeys(item, shape.keys)!));
          out.set(itemPath, present);
          visit(item, itemShape(shape, item), itemPath);
        }
        return;
      case 'set':
        for (const v of value as unknown[]) out.set(child(path, valueElement(v)), present);
    }
  };
  visit(obj, rootShape(className), '');
  out.delete('');
  return out;
}

/** The paths whose value differs between two fieldValues maps, and those only `before` has. */
export function compare(before: Map<FieldPath, string>, after: Map<FieldPath, string>): { changed: FieldSet; removed: FieldSet } {
  const changed: FieldSet = new Set();
  const removed: FieldSet = new Set();
  for (const [p, v] of after) if (before.get(p) !== v) changed.add(p);
  for (const p of before.keys()) if (!after.has(p)) removed.add(p);
  return { changed, removed };
}

/** The applied configuration `config` merged into `live` (neither changed), as upstream merges. */
export function merge(live: unknown, config: unknown, className: string | undefined): unknown {
  return mergeValue(live, config, rootShape(className));
}

function shapeFor(parent: Shape, field: string, l: unknown, r: unknown): Shape {
  // The side with content decides (the configuration first): an empty value on one side must
  // not turn a granular field into a leaf that replaces the other side's content wholesale.
  const decides = r !== undefined && !isEmpty(r) ? r : l !== undefined && !isEmpty(l) ? l : r;
  return childShape(parent, field, decides);
}

const isEmpty = (v: unknown) => (Array.isArray(v) ? v.length === 0 : isRecord(v) && Object.keys(v).length === 0);

function mergeValue(l: unknown, r: unknown, shape: Shape): unknown {
  if (r === undefined) return structuredClone(l);
  if (l === undefined || shape.kind === 'leaf') return structuredClone(r);
  switch (shape.kind) {
    case 'struct':
    case 'map': {
      if (!isRecord(l) || !isRecord(r)) return structuredClone(r);
      const out: Obj = {};
      for (const k of new Set([...Object.keys(l), ...Object.keys(r)])) {
        const v = mergeValue(l[k], r[k], shapeFor(shape, k, l[k], r[k]));
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    case 'associative':
      if (!Array.isArray(l) || !Array.isArray(r)) return structuredClone(r);
      return mergeItems(l, r, (item) => keyElement(itemKeys(item, shape.keys) ?? {}), (li, ri) => mergeValue(li, ri, itemShape(shape, ri ?? li)));
    case 'set':
      if (!Array.isArray(l) || !Array.isArray(r)) return structuredClone(r);
      return mergeItems(l, r, valueElement, (li, ri) => structuredClone(ri ?? li));
  }
}

/**
 * Upstream's list order after a merge: the applied items in their order, with the live items
 * the configuration does not name kept where they were among them.
 */
function mergeItems(l: unknown[], r: unknown[], keyOf: (item: unknown) => string, mergeItem: (l: unknown, r: unknown) => unknown): unknown[] {
  const lKeys = l.map(keyOf);
  const rKeys = r.map(keyOf);
  const lByKey = new Map(lKeys.map((k, i) => [k, l[i]]));
  const rSet = new Set(rKeys);
  const shared = rKeys.filter((k) => lByKey.has(k));
  let nextShared = 0;
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < l.length || ri < r.length) {
    if (li < l.length && ri < r.length && lKeys[li] === rKeys[ri]) {
      out.push(mergeItem(l[li], r[ri]));
      if (shared[nextShared] === rKeys[ri]) nextShared++;
      li++;
      ri++;
      continue;
    }
    // A live item the configuration also names waits for its turn in the configuration's order.
    if (li < l.length && rSet.has(lKeys[li]) && (ri >= r.length || shared[nextShared] !== lKeys[li])) {
      li++;
      continue;
    }
    if (li < l.length && !rSet.has(lKeys[li])) {
      out.push(mergeItem(l[li], undefined));
      li++;
      continue;
    }
    if (ri < r.length) {
      out.push(mergeItem(lByKey.get(rKeys[ri]), r[ri]));
      if (shared[nextShared] === rKeys[ri]) nextShared++;
      ri++;
    }
  }
  return out;
}

/**
 * A copy of `obj` without the given fields (leaves, list items, set members). A map or list
 * left empty by the removal goes with it.
 */
export function removeFields(obj: unknown, paths: ReadonlySet<FieldPath>, className: string | undefined): unknown {
  const copy = structuredClone(obj);
  for (const path of paths) removeOne(copy, elements(path), rootShape(className));
  return copy;
}

function removeOne(container: unknown, path: string[], shape: Shape): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return false;
  if (head.startsWith('f:') && isRecord(container) && (shape.kind === 'struct' || shape.kind === 'map')) {
    const key = head.slice(2);
    const value = container[key];
    if (value === undefined) return false;
    if (rest.length === 0) {
      delete container[key];
      return true;
    }
    const removed = removeOne(value, rest, childShape(shape, key, value));
    if (removed && isEmpty(value)) delete container[key];
    return removed;
  }
  if (!Array.isArray(container)) return false;
  if (shape.kind === 'associative' && head.startsWith('k:')) {
    const i = container.findIndex((item) => keyElement(itemKeys(item, shape.keys) ?? {}) === head);
    if (i < 0) return false;
    if (rest.length === 0) {
      container.splice(i, 1);
      return true;
    }
    return removeOne(container[i], rest, itemShape(shape, container[i]));
  }
  if (shape.kind === 'set' && head.startsWith('v:') && rest.length === 0) {
    const i = container.findIndex((v) => valueElement(v) === head);
    if (i >= 0) container.splice(i, 1);
    return i >= 0;
  }
  return false;
}
