// Decodes a Kubernetes protobuf request body (application/vnd.kubernetes.protobuf):
// the 4-byte magic "k8s\0", then a runtime.Unknown whose TypeMeta names the kind and
// whose raw bytes are the typed message, into the object's JSON form.
import protobuf from 'protobufjs';
import { errors } from '../errors.ts';
import { isRecord } from '../json.ts';
import type { Unstructured } from '../object.ts';
import { toJson } from './json.ts';
import { envelopeType, k8sSchema, messageFor } from './schema.ts';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const message: unknown = type.decode(bytes);
    // A decoded message is an object whose fields are its properties (defaults on its prototype).
    if (isRecord(message)) return message;
  } catch (e) {
    throw errors.badRequest(`couldn't decode the protobuf ${what}: ${(e as Error).message}`);
  }
  throw errors.badRequest(`couldn't decode the protobuf ${what}`);
}

function openEnvelope(root: protobuf.Root, body: Buffer): Envelope {
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) {
    throw errors.badRequest(`the protobuf body does not start with the Kubernetes magic prefix "k8s\\x00"`);
  }
  const unknown = decodeMessage(root.lookupType(envelopeType), body.subarray(magic.length), 'envelope (runtime.Unknown)');
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  if (unknown.contentEncoding) throw errors.badRequest(`the protobuf envelope has an unsupported contentEncoding ${JSON.stringify(unknown.contentEncoding)}`);
  const contentType = (unknown.contentType as string | undefined) ?? '';
  if (contentType !== '' && contentType !== protobufMediaType) {
    throw errors.badRequest(`the protobuf envelope carries unsupported contentType ${JSON.stringify(contentType)}`);
  }
  if (!typeMeta.kind) throw errors.badRequest('the protobuf envelope does not name a kind (typeMeta.kind is empty)');
  return { apiVersion: typeMeta.apiVersion ?? '', kind: typeMeta.kind, raw: (unknown.raw as Uint8Array | undefined) ?? new Uint8Array() };
}

/**
 * Decodes a protobuf body into the object exactly as its JSON form would read.
 * With `expected`, an envelope naming another kind or group-version is rejected;
 * without it, the envelope's own type decides. Unknown field numbers are ignored.
 */
export function decodeProtobufObject(body: Buffer, expected?: GroupVersionKind): Unstructured {
  const root = k8sSchema();
  const env = openEnvelope(root, body);
  const gv = splitApiVersion(env.apiVersion);
  if (expected) {
    if (env.kind !== expected.kind) {
      throw errors.badRequest(`the kind in the protobuf body (${env.kind}) does not match the expected kind (${expected.kind})`);
    }
    if (env.apiVersion && (gv.group !== expected.group || gv.version !== expected.version)) {
      const want = expected.group ? `${expected.group}/${expected.version}` : expected.version;
      throw errors.badRequest(`the apiVersion in the protobuf body (${env.apiVersion}) does not match the expected apiVersion (${want})`);
    }
  }
  const group = env.apiVersion ? gv.group : (expected?.group ?? '');
  const version = env.apiVersion ? gv.version : (expected?.version ?? '');
  const type = messageFor(root, group, version, env.kind);
  if (!type) {
    throw errors.badRequest(`no protobuf schema for ${env.kind} in ${env.apiVersion || 'an unnamed group-version'}: send it as application/json`);
  }
  const fields = toJson(type, decodeMessage(type, env.raw, env.kind));
  const apiVersion = env.apiVersion || (group ? `${group}/${version}` : version);
  const { metadata, ...rest } = fields;
  return { apiVersion, kind: env.kind, metadata: isRecord(metadata) ? metadata : {}, ...rest };
}
