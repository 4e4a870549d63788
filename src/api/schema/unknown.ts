// Fields of an object that its schema does not declare: the basis of server-side field
// validation (fieldValidation=Strict rejects them, Warn returns them as warnings).
import { arrayItemType, mapValueType, modelFields } from './models.ts';

/** Paths of undeclared fields, as upstream prints them: `spec.containers[0].imagee`. */
export function unknownFields(value: unknown, className: string, path = ''): string[] {
  const fields = modelFields(className);
  if (!fields || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const field = fields.find((f) => f.name === key);
    if (!field) {
      out.push(childPath);
      continue;
    }
    out.push(...unknownIn(child, field.type, childPath));
  }
  return out;
}

function unknownIn(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const item = arrayItemType(type);
  if (item) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((v, i) => unknownIn(v, item, `${path}[${i}]`));
  }
  const mapped = mapValueType(type);
  if (mapped) {
    if (typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => unknownIn(v, mapped, `${path}[${k}]`));
  }
  return unknownFields(value, type, path);
}
