// JSON merge patch (RFC 7386): objects merge key by key, null removes a key, anything else
// (arrays included) replaces. Inputs are never mutated and the result shares nothing with them.
import { isRecord } from '../json.ts';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergeInto(structuredClone(target), patch);
}

// `target` is already a private copy, so it may be changed in place.
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isRecord(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeInto(result[key], value);
  }
  return result;
}
