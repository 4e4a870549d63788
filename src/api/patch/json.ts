// JSON patch (RFC 6902) through fast-json-patch, with upstream's split of failures: a patch
// that cannot be decoded is a 400 BadRequest; a well-formed patch that does not apply to the
// object (a failed test, a missing path) is a 422 Invalid.
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { malformedPatch, unprocessablePatch } from './failures.ts';
import { isRecord } from '../json.ts';

const operations = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks the shape of a decoded JSON patch; throws 400 naming the bad operation. */
export function decodeJsonPatch(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw malformedPatch('invalid JSON patch: the patch must be a JSON array of operations');
  patch.forEach((op: unknown, i) => {
    const bad = (why: string) => malformedPatch(`invalid JSON patch: operation ${i}: ${why}`);
    if (!isRecord(op)) throw bad('not a JSON object');
    if (typeof op.op !== 'string' || !operations.has(op.op)) throw bad(`unknown op ${JSON.stringify(op.op ?? null)}`);
    if (typeof op.path !== 'string') throw bad(`${op.op} operation is missing a "path" string`);
    if (op.path !== '' && !op.path.startsWith('/')) throw bad(`path ${JSON.stringify(op.path)} must start with "/"`);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw bad(`${op.op} operation is missing a "from" string`);
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) throw bad(`${op.op} operation is missing a "value"`);
  });
  return patch as Operation[];
}

function describeFailure(name: string, op: Operation): string {
  const path = JSON.stringify(op.path);
  const from = 'from' in op ? JSON.stringify(op.from) : '';
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return `the value at ${path} does not match`;
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `path ${path} does not exist`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `from path ${from} does not exist`;
    case 'OPERATION_PATH_CANNOT_ADD':
      return `cannot add at path ${path}: its parent does not exist`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return `path ${path} is not a valid array index`;
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `array index in path ${path} is out of bounds`;
    default:
      return `cannot apply at path ${path}`;
  }
}

/** Applies a decoded JSON patch to a copy of `original`; the result must stay an object. */
export function applyJsonPatch(original: object, patch: unknown): Record<string, unknown> {
  const ops = decodeJsonPatch(patch);
  let result: unknown;
  try {
    result = jsonpatch.applyPatch(original, structuredClone(ops), true, false).newDocument;
  } catch (e) {
    if (e instanceof jsonpatch.JsonPatchError && e.index !== undefined) {
      const op = ops[e.index];
      throw unprocessablePatch(`json patch ${op.op} operation ${e.index} failed: ${describeFailure(e.name, op)}`);
    }
    throw malformedPatch(`invalid JSON patch: ${(e as Error).message}`);
  }
  if (!isRecord(result)) throw unprocessablePatch('json patch turned the object into a non-object');
  return result;
}
