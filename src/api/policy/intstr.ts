// Int-or-percent values (minAvailable, maxUnavailable) as upstream's intstr helpers and
// apps validation: ValidatePositiveIntOrPercent, IsNotMoreThan100Percent and
// GetScaledValueFromIntOrPercent.
import type { IntOrString } from '../core/pod.ts';
import { field, type FieldError } from '../validation/field.ts';

const percentFmt = '[0-9]+%';
const percentMsg = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** The number in "30%", or undefined when the string is not a percent. */
export function percentOf(value: string): number | undefined {
  return new RegExp(`^${percentFmt}$`).test(value) ? Number(value.slice(0, -1)) : undefined;
}

export function validatePositiveIntOrPercent(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string') {
    const pct = percentOf(value);
    if (pct === undefined) return [field.invalid(path, value, percentMsg)];
    return pct > 100 ? [field.invalid(path, value, 'must not be greater than 100%')] : [];
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    return value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
  }
  return [field.invalid(path, value, "must be an integer or percentage (e.g '5%')")];
}

/** An integer as is, a percent of total rounded up or down; throws on anything else. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const pct = percentOf(value);
  if (pct === undefined) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`);
  const scaled = (pct * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
