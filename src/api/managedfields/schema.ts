// How server-side apply sees a value's structure, from the client-node type model and the
// list strategies of src/api/patch/patchmeta.ts (upstream reads the same facts from the
// OpenAPI extensions x-kubernetes-list-type / -list-map-keys / -map-type / -structType):
// structs and maps are granular (each field owned apart) unless marked atomic; lists merged
// by a key are associative (`listType=map`), merged lists of scalars are sets, every other
// list is atomic (one leaf). Where the type is unknown, objects are granular maps and lists atomic.
import { isRecord } from '../json.ts';
import { patchMeta, strategyMerges } from '../patch/patchmeta.ts';
import { arrayItemType, mapValueType, modelFields } from '../schema/models.ts';

/** A client-node type string ('V1PodSpec', 'Array<V1Container>', ...); undefined when unknown. */
export type TypeRef = string | undefined;

export type Shape =
  | { kind: 'leaf' }
  | { kind: 'struct'; type: TypeRef }
  | { kind: 'map'; valueType: TypeRef }
  | { kind: 'associative'; itemType: TypeRef; keys: readonly string[] }
  | { kind: 'set' };

// Lists whose list-map keys differ from their patch merge key (upstream's +listMapKey tags).
const listMapKeys: Record<string, Record<string, readonly string[]>> = {
  V1Container: { ports: ['containerPort', 'protocol'] },
  V1ServiceSpec: { ports: ['port', 'protocol'] },
};

// Key fields the server defaults, so an applied item without them names the live one.
const keyDefaults: Record<string, unknown> = { protocol: 'TCP' };

// Types upstream marks +structType=atomic, and map fields marked +mapType=atomic.
const atomicStructs = new Set([
  'V1LabelSelector', 'V1NodeSelector', 'V1NodeSelectorTerm', 'V1ObjectReference', 'V1LocalObjectReference',
  'V1TypedLocalObjectReference', 'V1SecretKeySelector', 'V1ConfigMapKeySelector', 'V1ObjectFieldSelector',
  'V1ResourceFieldSelector', 'V1TopologySelectorTerm',
]);
const atomicMaps: Record<string, ReadonlySet<string>> = { V1PodSpec: new Set(['nodeSelector']) };

const fieldTypes = new Map<string, Map<string, string> | undefined>();
function fieldType(className: string, field: string): TypeRef {
  if (!fieldTypes.has(className)) {
    const fields = modelFields(className);
    fieldTypes.set(className, fields && new Map(fields.map((f) => [f.name, f.type])));
  }
  return fieldTypes.get(className)?.get(field);
}

const isModel = (type: TypeRef): type is string => type !== undefined && modelFields(type) !== undefined;

/** The shape of the value at `field` of a struct or map of shape `parent`. */
export function childShape(parent: Shape, field: string, value: unknown): Shape {
  if (parent.kind === 'map') return shapeOf(parent.valueType, value, undefined, undefined);
  if (parent.kind !== 'struct') return { kind: 'leaf' };
  const type = isModel(parent.type) ? fieldType(parent.type, field) : undefined;
  return shapeOf(type, value, parent.type, field);
}

/** The shape of an associative list's item. */
export function itemShape(list: Shape & { kind: 'associative' }, value: unknown): Shape {
  return shapeOf(list.itemType, value, undefined, undefined);
}

/** The shape of a whole object of a model class ('V1Pod'). */
export function rootShape(className: string | undefined): Shape {
  return { kind: 'struct', type: className };
}

function shapeOf(type: TypeRef, value: unknown, owner: string | undefined, field: string | undefined): Shape {
  if (Array.isArray(value)) {
    if (value.length === 0 || !owner || !field) return { kind: 'leaf' };
    const meta = patchMeta(owner, field);
    if (!strategyMerges(meta)) return { kind: 'leaf' };
    if (!meta?.mergeKey) return value.every((v) => !isRecord(v) && !Array.isArray(v)) ? { kind: 'set' } : { kind: 'leaf' };
    const keys = listMapKeys[owner]?.[field] ?? [meta.mergeKey];
    const itemType = type ? arrayItemType(type) : undefined;
    // A list whose items do not all carry distinct keys cannot be merged by them: upstream
    // treats it as atomic rather than lose items.
    return distinctKeys(value, keys) ? { kind: 'associative', itemType, keys } : { kind: 'leaf' };
  }
  if (!isRecord(value) || Object.keys(value).length === 0) return { kind: 'leaf' };
  if (owner && field && atomicMaps[owner]?.has(field)) return { kind: 'leaf' };
  if (isModel(type)) return atomicStructs.has(type) ? { kind: 'leaf' } : { kind: 'struct', type };
  const valueType = type ? mapValueType(type) : undefined;
  return { kind: 'map', valueType };
}

/** An associative list item's key values (server defaults filled in), or undefined when one is missing. */
export function itemKeys(item: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!isRecord(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = item[k] ?? keyDefaults[k];
    if (v === undefined || isRecord(v) || Array.isArray(v)) return undefined;
    out[k] = v;
  }
  return out;
}

function distinctKeys(items: unknown[], keys: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    const k = itemKeys(item, keys);
    if (!k) return false;
    const s = JSON.stringify(keys.map((name) => k[name]));
    if (seen.has(s)) return false;
    seen.add(s);
  }
  return true;
}
