// Flag parsing helpers shared by the commands: Go-style values (durations, booleans that
// accept --flag=false) and errors that name the flag and the value, exiting with code 2.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../api/duration.ts';

export function durationFlag(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError(`invalid duration ${JSON.stringify(value)} (examples: 10s, 1m30s, 500ms)`);
  }
}

export function intFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`invalid integer ${JSON.stringify(value)}`);
  return n;
}

export function portFlag(value: string): number {
  const n = intFlag(value);
  if (n < 0 || n > 65535) throw new InvalidArgumentError(`invalid port ${JSON.stringify(value)}: must be 0-65535`);
  return n;
}

/** A boolean flag that also takes Go's `--flag=true|false` (commander passes the value or true). */
export function boolFlag(value: string | boolean | undefined): boolean {
  if (value === undefined || value === true) return true;
  const v = String(value).toLowerCase();
  if (['true', '1', 't'].includes(v)) return true;
  if (['false', '0', 'f'].includes(v)) return false;
  throw new InvalidArgumentError(`invalid boolean ${JSON.stringify(value)} (use true or false)`);
}

export function listFlag(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
