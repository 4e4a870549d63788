// Component schemas (OpenAPI v3 shape, refs to '#/components/schemas/...') built from the
// client-node type model. Only the schemas reachable from the given roots are emitted.
import { arrayItemType, mapValueType, modelFields, type FieldModel } from '../../api/schema/models.ts';
import { fieldDescription, kindDescription, requiredFields } from './annotations.ts';
import { primitiveNames, type SchemaNamer } from './names.ts';
import { patchMeta } from '../../api/patch/patchmeta.ts';

export type Schema = Record<string, unknown>;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export const refPrefix = '#/components/schemas/';

export function ref(name: string): Schema {
  return { $ref: `${refPrefix}${name}` };
}

/** Map fields whose values are resource quantities upstream (map[ResourceName]Quantity). */
const quantityMaps = new Set(['limits', 'requests', 'capacity', 'allocatable', 'overhead', 'allocatedResources', 'hard', 'used']);
/** String fields that are a single quantity upstream. */
const quantityScalars = new Set(['sizeLimit', 'divisor']);

/** Schemas of the types that are not model classes; each is a string or object on the wire. */
const primitiveSchemas: Record<string, Schema> = {
  [primitiveNames.Time]: { type: 'string', format: 'date-time' },
  [primitiveNames.MicroTime]: { type: 'string', format: 'date-time' },
  [primitiveNames.FieldsV1]: { type: 'object', description: 'The set of fields one manager owns, in the structured-merge-diff FieldsV1 form.' },
  [primitiveNames.Patch]: { type: 'object' },
  // As upstream's v3: no single type, so kubectl explain names them (<IntOrString>, <Quantity>).
  [primitiveNames.IntOrString]: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
  [primitiveNames.Quantity]: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  [primitiveNames.RawExtension]: { type: 'object' },
};

/** Swagger 2.0 has no oneOf: there these types are strings, as in upstream's v2 document. */
export const swagger2Primitives: Record<string, Schema> = {
  [primitiveNames.IntOrString]: { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
  [primitiveNames.Quantity]: { type: 'string' },
};

function shortName(schemaName: string): string {
  return schemaName.slice(schemaName.lastIndexOf('.') + 1);
}

function withDescription(schema: Schema, description: string): Schema {
  return description ? { description, ...schema } : schema;
}

/**
 * Builds the schemas reachable from `roots`. `gvks` gives the kinds a class is served as,
 * which become its `x-kubernetes-group-version-kind` (what kubectl explain looks for).
 */
export function buildSchemas(
  namer: SchemaNamer,
  roots: string[],
  gvks: Map<string, GroupVersionKind[]>,
  extraPrimitives: string[] = [],
): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const pending = [...roots];
  const usePrimitive = (name: string): Schema => {
    out[name] ??= withDescription(primitiveSchemas[name], kindDescription(shortName(name)));
    return ref(name);
  };
  for (const name of extraPrimitives) usePrimitive(name);

  const typeSchema = (type: string, format: string, fieldName: string): Schema => {
    const item = arrayItemType(type);
    if (item) return { type: 'array', items: typeSchema(item, format, fieldName) };
    const value = mapValueType(type);
    if (value) {
      const values = value === 'string' && quantityMaps.has(fieldName) ? usePrimitive(primitiveNames.Quantity) : typeSchema(value, format, fieldName);
      return { type: 'object', additionalProperties: values };
    }
    switch (type) {
      case 'string':
        if (quantityScalars.has(fieldName)) return usePrimitive(primitiveNames.Quantity);
        return format ? { type: 'string', format } : { type: 'string' };
      case 'boolean':
        return { type: 'boolean' };
      case 'number':
        return format === 'int32' || format === 'int64' ? { type: 'integer', format } : { type: 'number', format: format || 'double' };
      case 'Date':
        return usePrimitive(primitiveNames.Time);
      case 'V1MicroTime':
        return usePrimitive(primitiveNames.MicroTime);
      case 'IntOrString':
        return usePrimitive(primitiveNames.IntOrString);
      case 'any':
      case 'object':
        if (fieldName === 'fieldsV1') return usePrimitive(primitiveNames.FieldsV1);
        if (fieldName === 'object') return usePrimitive(primitiveNames.RawExtension);
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    if (modelFields(type)) {
      pending.push(type);
      return ref(namer.nameOf(type));
    }
    return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  };

  const fieldSchema = (className: string, f: FieldModel): Schema => {
    let schema = typeSchema(f.type, f.format, f.name);
    const patch = patchMeta(className, f.name);
    if (patch) {
      schema = { ...schema, 'x-kubernetes-patch-strategy': patch.strategy };
      if (patch.mergeKey) schema['x-kubernetes-patch-merge-key'] = patch.mergeKey;
    }
    const description = fieldDescription(f.name);
    // A sibling of $ref is ignored in OpenAPI 3.0, so a described reference wraps it in allOf.
    if (description && '$ref' in schema) return { description, allOf: [schema] };
    return withDescription(schema, description);
  };

  for (let className = pending.shift(); className !== undefined; className = pending.shift()) {
    const name = namer.nameOf(className);
    if (out[name]) continue;
    const fields = modelFields(className) ?? [];
    const properties: Record<string, Schema> = {};
    for (const f of fields) properties[f.name] = fieldSchema(className, f);
    const schema: Schema = { type: 'object', properties };
    const required = requiredFields(className, fields.map((f) => f.name));
    if (required.length) schema.required = required;
    const kinds = gvks.get(className);
    if (kinds?.length) schema['x-kubernetes-group-version-kind'] = kinds;
    out[name] = withDescription(schema, kindDescription(shortName(name)));
  }
  return sortKeys(out);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
