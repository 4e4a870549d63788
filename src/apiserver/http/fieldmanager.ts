// The request side of field management: who a write is on behalf of (the `fieldManager` query
// parameter, or the client's User-Agent up to its first '/', upstream's prefixFromUserAgent),
// the `force` parameter only server-side apply takes, and the applied configuration's body.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../../api/errors.ts';
import { isRecord } from '../../api/json.ts';
import { unstructured, type KubeObject } from '../../api/object.ts';
import { groupVersion, type ResourceInfo } from '../registry/resources.ts';
import { boolParam, invalidOptions } from '../../api/queryparams.ts';
import { field, type FieldError } from '../../api/validation/field.ts';

const maxManagerLength = 128;

export interface WriteManager {
  name: string;
  /** Server-side apply's `force`: take conflicting fields from their managers. */
  force: boolean;
}

/** The field manager of a write (`kind` names the options: PatchOptions, CreateOptions, UpdateOptions); apply requires the parameter, as upstream. */
export function writeManager(req: IncomingMessage, query: URLSearchParams, kind: string, apply = false): WriteManager {
  const given = query.get('fieldManager');
  const errs: FieldError[] = [];
  if (query.has('force') && !apply) errs.push(field.forbidden('force', 'may not be specified for non-apply patch'));
  if (apply && !given) errs.push(field.required('fieldManager', 'is required for apply patch'));
  if (given && given.length > maxManagerLength) errs.push(field.tooLong('fieldManager', given, maxManagerLength));
  if (given && /[^\x20-\x7e]/.test(given)) errs.push(field.invalid('fieldManager', given, 'must only contain printable characters'));
  if (errs.length) throw invalidOptions('meta.k8s.io', kind, '', errs);
  const name = given ?? (req.headers['user-agent'] ?? '').split('/')[0].slice(0, maxManagerLength);
  return { name, force: apply && boolParam(query, 'force') === true };
}

const applyMediaTypes = new Set(['application/apply-patch+yaml', 'application/apply-patch+json']);

export function isApplyPatch(contentType: string): boolean {
  return applyMediaTypes.has(contentType.split(';')[0].trim().toLowerCase());
}

/** An apply body (YAML or JSON): a whole object of the resource's kind, named as the URL names it. */
export function decodeApplyConfiguration(text: string, resource: ResourceInfo, name: string): KubeObject {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!isRecord(value)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
  if (typeof value.apiVersion !== 'string' || !value.apiVersion) throw errors.badRequest(`error decoding YAML: Object 'apiVersion' is missing in '${text.slice(0, 200)}'`);
  if (typeof value.kind !== 'string' || !value.kind) throw errors.badRequest(`error decoding YAML: Object 'Kind' is missing in '${text.slice(0, 200)}'`);
  const expected = groupVersion(resource);
  if (value.apiVersion !== expected || value.kind !== resource.kind) {
    throw errors.badRequest(`the applied configuration is a ${value.kind} of ${value.apiVersion}, not a ${resource.kind} of ${expected}`);
  }
  const obj = unstructured(value);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
  }
  obj.metadata.name = name;
  return obj;
}
