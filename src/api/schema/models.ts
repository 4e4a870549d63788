// The type model of the Kubernetes API, read from @kubernetes/client-node's generated
// model metadata (each model class's attributeTypeMap). OpenAPI documents and the strategic
// merge patch walk object structure through this module. Only the models are loaded: the
// package's index also loads its API clients, about 30 MB of heap a kubelet has no use for.
import * as k8s from '@kubernetes/client-node/dist/gen/models/all.js';

export interface FieldModel {
  /** JSON field name. */
  name: string;
  /**
   * client-node's type string: 'string' | 'number' | 'boolean' | 'Date' | 'any' | 'object' |
   * 'IntOrString' | a model class name ('V1PodSpec') | 'Array<T>' | '{ [key: string]: T; }'.
   */
  type: string;
  /** OpenAPI format: 'int32', 'int64', 'date-time', 'byte', 'int-or-string', ''. */
  format: string;
}

type ModelClass = { getAttributeTypeMap(): Array<{ name: string; baseName: string; type: string; format: string }> };

/** client-node's model classes by name. */
const models: Record<string, unknown> = k8s;

function isModelClass(value: unknown): value is ModelClass {
  const holder = typeof value === 'function' || (typeof value === 'object' && value !== null);
  return holder && 'getAttributeTypeMap' in value && typeof value.getAttributeTypeMap === 'function';
}

const cache = new Map<string, FieldModel[] | undefined>();

/** The fields of a model class by name ('V1Pod'), or undefined for a non-model type. */
export function modelFields(className: string): FieldModel[] | undefined {
  if (cache.has(className)) return cache.get(className);
  const cls = models[className];
  const fields = isModelClass(cls) ? cls.getAttributeTypeMap().map((a) => ({ name: a.baseName, type: a.type, format: a.format })) : undefined;
  cache.set(className, fields);
  return fields;
}

/** 'Array<V1Container>' → 'V1Container'; otherwise undefined. */
export function arrayItemType(type: string): string | undefined {
  const m = /^Array<(.+)>$/.exec(type);
  return m ? m[1] : undefined;
}

/** '{ [key: string]: T; }' → 'T'; otherwise undefined. */
export function mapValueType(type: string): string | undefined {
  const m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  return m ? m[1] : undefined;
}

/** The field of a model, or undefined. */
export function fieldOf(className: string, jsonName: string): FieldModel | undefined {
  return modelFields(className)?.find((f) => f.name === jsonName);
}

// Classes whose client-node name does not follow '<Version><Kind>' for our served kinds.
const kindClassOverrides: Record<string, string> = {
  'discovery.k8s.io/v1/EndpointSlice': 'V1EndpointSlice',
  'coordination.k8s.io/v1/Lease': 'V1Lease',
  'authentication.k8s.io/v1/TokenRequest': 'AuthenticationV1TokenRequest',
  'v1/Event': 'CoreV1Event',
  'v1/EventList': 'CoreV1EventList',
};

/** The model class of a served kind: ('', 'v1', 'Pod') → 'V1Pod'. */
export function classForKind(group: string, version: string, kind: string): string | undefined {
  const gv = group ? `${group}/${version}` : version;
  const override = kindClassOverrides[`${gv}/${kind}`];
  if (override) return override;
  const guess = `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
  return modelFields(guess) ? guess : undefined;
}
