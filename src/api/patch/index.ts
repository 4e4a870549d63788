// The one entry point for PATCH requests: parse the body, pick the patch kind by its media
// type, apply it to the stored object and answer failures as upstream does (400 for a body
// that cannot be read, 415 for an unknown media type, 422 for a patch that does not apply).
import { unstructured, type KubeObject, type Unstructured } from '../object.ts';
import { errors } from '../errors.ts';
import { applyJsonPatch } from './json.ts';
import { isRecord } from '../json.ts';
import { applyMergePatch } from './merge.ts';
import { applyStrategicMergePatch } from './strategic.ts';
import { malformedPatch, unprocessablePatch } from './failures.ts';

export { applyJsonPatch, decodeJsonPatch } from './json.ts';
export { applyMergePatch } from './merge.ts';
export { applyStrategicMergePatch } from './strategic.ts';
export { createStrategicMergePatch } from './diff.ts';
export { patchMeta, patchMetaFields, type PatchMeta, type PatchStrategy } from './patchmeta.ts';

export const patchContentTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

export type PatchKind = keyof typeof patchContentTypes;

/** 'application/merge-patch+json; charset=utf-8' → 'merge'; undefined for anything else. */
export function patchKindOf(contentType: string): PatchKind | undefined {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return (Object.keys(patchContentTypes) as PatchKind[]).find((k) => patchContentTypes[k] === mediaType);
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw malformedPatch(`the patch body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Applies a PATCH body to `original` (never mutated) and returns the patched object.
 * className is the client-node model class ('V1Pod') that guides the strategic merge;
 * undefined makes a strategic merge patch behave as a merge patch plus its directives.
 */
export function applyPatch(original: KubeObject, patchBody: string, contentType: string, className: string | undefined): Unstructured {
  const kind = patchKindOf(contentType);
  if (!kind) throw errors.unsupportedMediaType(contentType);
  const patch = parseBody(patchBody);
  let result: unknown;
  switch (kind) {
    case 'json':
      result = applyJsonPatch(original, patch);
      break;
    case 'merge':
      if (!isRecord(patch)) throw malformedPatch('invalid JSON merge patch: the patch must be a JSON object');
      result = applyMergePatch(original, patch);
      break;
    case 'strategic':
      if (!isRecord(patch)) throw malformedPatch('invalid JSON document: a strategic merge patch must be a JSON object');
      result = applyStrategicMergePatch(original, patch, className);
      break;
  }
  if (!isRecord(result)) throw unprocessablePatch('the patched object is not a JSON object');
  return unstructured(result);
}
