// Request bodies: size-limited reading and decoding of JSON or YAML into an object.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../../api/errors.ts';

/** Upstream's limit for a request body (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw errors.tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw errors.tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

/** Decodes a create/update body; `what` names the expected kind for the error message. */
export function decodeObject(text: string, contentType: string | undefined, what: string): any {
  const type = mediaType(contentType);
  const json = type === 'application/json' || type === '' || type === '*/*';
  const yaml = type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml';
  if (!json && !yaml) throw errors.unsupportedMediaType(type);
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw errors.badRequest(`${what}: couldn't decode the request body as ${type}: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.badRequest(`${what}: the request body must be an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value;
}
