// Type checks of a manifest against the API's type model, standing in for upstream's typed
// decoding: a number where a string belongs fails there with a decode error, so it fails
// here too, naming the field. Unknown fields are ignored, as upstream's decoder ignores them.
import { field, type FieldError } from '../../api/validation/field.ts';
import { arrayItemType, mapValueType, modelFields } from '../../api/schema/models.ts';
import { describe } from './manifest.ts';

// Fields whose values are resource.Quantity: client-node types them as strings, but upstream
// accepts a bare number (`cpu: 1`) there.
const quantityFields = new Set(['limits', 'requests', 'sizeLimit', 'overhead', 'divisor', 'capacity', 'allocatable']);

/**
 * A decoded manifest object as T, once the type model finds no mismatch in it (upstream decodes
 * into typed structs); else the mismatches. className is T's model class ('V1Pod' for Pod).
 */
export function decodeTyped<T>(value: object, className: string): { value: T } | { errors: FieldError[] } {
  const errors = typeErrors(value, className);
  // Every field the model declares has the model's type: the object is a T as far as types go.
  return errors.length ? { errors } : { value: value as T };
}

/** The type mismatches under value, read as the model class className ('V1Pod'). */
export function typeErrors(value: unknown, className: string, path = ''): FieldError[] {
  const fields = modelFields(className);
  if (!fields) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [field.invalid(path || '<root>', value, `must be an object, got ${describe(value)}`)];
  }
  const errs: FieldError[] = [];
  for (const [key, child] of Object.entries(value)) {
    const f = fields.find((x) => x.name === key);
    if (!f) continue;
    errs.push(...checkValue(child, f.type, f.format, path ? `${path}.${key}` : key, key));
  }
  return errs;
}

function checkValue(value: unknown, type: string, format: string, path: string, name: string): FieldError[] {
  if (value === null || value === undefined) return [];
  const item = arrayItemType(type);
  if (item) {
    if (!Array.isArray(value)) return [field.invalid(path, value, `must be a list, got ${describe(value)}`)];
    return value.flatMap((v, i) => checkValue(v, item, '', `${path}[${i}]`, name));
  }
  const mapped = mapValueType(type);
  if (mapped) {
    if (typeof value !== 'object' || Array.isArray(value)) return [field.invalid(path, value, `must be a map, got ${describe(value)}`)];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => checkValue(v, mapped, '', `${path}[${k}]`, name));
  }
  switch (type) {
    case 'string':
    case 'Date':
      if (typeof value === 'string') return [];
      if (typeof value === 'number' && quantityFields.has(name)) return [];
      return [field.invalid(path, value, `must be a string, got ${describe(value)}`)];
    case 'number':
      if (typeof value !== 'number') return [field.invalid(path, value, `must be a number, got ${describe(value)}`)];
      if ((format === 'int32' || format === 'int64') && !Number.isInteger(value)) return [field.invalid(path, value, 'must be an integer')];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [field.invalid(path, value, `must be a boolean, got ${describe(value)}`)];
    case 'IntOrString':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))
        ? []
        : [field.invalid(path, value, `must be an integer or a string, got ${describe(value)}`)];
    case 'any':
    case 'object':
      return [];
    default:
      return typeErrors(value, type, path);
  }
}
