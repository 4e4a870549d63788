// Request bodies: size-limited reading and decoding of JSON, YAML or Kubernetes protobuf into an object.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors, StatusError } from '../../api/errors.ts';
import { isRecord } from '../../api/json.ts';
import { decodeProtobufObject, protobufMediaType, type GroupVersionKind } from '../../api/protobuf/index.ts';

/** Upstream's limit for a request body (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

/**
 * The body as text. A protobuf body is binary: it comes back as latin1, which keeps
 * every byte, so that decodeObject can recover the exact bytes.
 */
export async function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<string> {
  const bytes = await readBodyBuffer(req, limit);
  return bytes.toString(mediaType(req.headers['content-type']) === protobufMediaType ? 'latin1' : 'utf8');
}

/** The body's raw bytes. */
export async function readBodyBuffer(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw errors.tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw errors.tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

/**
 * Decodes a create/update body; `what` names the expected kind for the error message.
 * A protobuf body is given as readBody's latin1 text or as raw bytes; with `expected`
 * its envelope must name that kind.
 */
export function decodeObject(text: string | Buffer, contentType: string | undefined, what: string, expected?: GroupVersionKind): Record<string, unknown> {
  const type = mediaType(contentType);
  if (type === protobufMediaType) {
    try {
      return decodeProtobufObject(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), expected);
    } catch (e) {
      if (e instanceof StatusError) throw errors.badRequest(`${what}: ${e.message}`);
      throw e;
    }
  }
  if (Buffer.isBuffer(text)) text = text.toString('utf8');
  const json = type === 'application/json' || type === '' || type === '*/*';
  const yaml = type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml';
  if (!json && !yaml) throw errors.unsupportedMediaType(type);
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw errors.badRequest(`${what}: couldn't decode the request body as ${type}: ${(e as Error).message}`);
  }
  if (!isRecord(value)) {
    throw errors.badRequest(`${what}: the request body must be an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value;
}
