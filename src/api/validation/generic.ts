// Field checks that every kind's validation uses: enumerations, non-negative integers and
// int-or-string ports (upstream's ValidateNonnegativeField, ValidatePortNumOrName).
import { field, type FieldError } from './field.ts';
import { isValidPortName, isValidPortNum } from './names.ts';

export function validateNonNegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) return [field.invalid(path, value, 'must be an integer')];
  return value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** One of `supported`; an empty value is "Required" unless `required` is false. */
export function validateEnum(value: unknown, path: string, supported: readonly string[], required = true): FieldError[] {
  if (value === undefined || value === null || value === '') return required ? [field.required(path, '')] : [];
  return typeof value === 'string' && supported.includes(value) ? [] : [field.notSupported(path, value, supported)];
}

/** An int-or-string port: a number in 1-65535 or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => field.invalid(path, port, m));
  if (typeof port === 'string' && port !== '') return isValidPortName(port).map((m) => field.invalid(path, port, m));
  return [field.required(path, '')];
}
