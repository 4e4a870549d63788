// Paginated lists (limit and continue), read from storage at the revision of the first page so
// every page shows the same snapshot; the continue token carries that revision and the next key
// (410 Expired once the revision is compacted).
import type { KubeObject } from '../../api/object.ts';
import { StorageError, type KV, type Storage } from '../storage/interface.ts';
import type { Selectors } from './selection.ts';
import { errors } from '../../api/errors.ts';

interface Token {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export function encodeContinue(revision: number, startKey: string): string {
  const token: Token = { v: 'meta.k8s.io/v1', rv: revision, start: startKey };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeContinue(value: string, prefix: string): { revision: number; startKey: string } {
  let token: Token;
  try {
    token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Token;
  } catch {
    throw errors.badRequest(`invalid continue token: ${JSON.stringify(value)}`);
  }
  if (token?.v !== 'meta.k8s.io/v1' || !Number.isInteger(token.rv) || typeof token.start !== 'string' || !token.start.startsWith(prefix)) {
    throw errors.badRequest(`invalid continue token: ${JSON.stringify(value)}`);
  }
  return { revision: token.rv, startKey: token.start };
}

export interface Page<T extends KubeObject = KubeObject> {
  items: T[];
  revision: number;
  continue?: string;
  remainingItemCount?: number;
}

/** Reads storage pages until `limit` objects match the selectors, as upstream does. */
export async function readPage<T extends KubeObject>(
  storage: Storage,
  prefix: string,
  selectors: Selectors<T>,
  limit: number,
  continueToken: string | undefined,
  decode: (kv: KV) => T,
): Promise<Page<T>> {
  let revision = 0;
  let startKey: string | undefined;
  if (continueToken) {
    const token = decodeContinue(continueToken, prefix);
    revision = token.revision;
    startKey = token.startKey;
  }
  const items: T[] = [];
  let next: string | undefined;
  let remaining: number | undefined;
  try {
    // Read pages until enough objects match the selectors, as upstream does.
    for (;;) {
      const page = await storage.list(prefix, { revision, limit, startKey });
      revision = page.revision;
      for (const kv of page.kvs) {
        const obj = decode(kv);
        if (selectors.matches(obj)) items.push(obj);
        if (limit && items.length >= limit) {
          const after = page.kvs.indexOf(kv) < page.kvs.length - 1 || page.more;
          if (after) next = kv.key + '\x00';
          break;
        }
      }
      if (next || !page.more || !page.kvs.length) {
        if (next && selectors.empty && page.remaining !== undefined) {
          remaining = page.remaining + (page.kvs.length - 1 - page.kvs.findIndex((kv) => kv.key + '\x00' === next));
        }
        break;
      }
      startKey = page.kvs[page.kvs.length - 1].key + '\x00';
    }
  } catch (e) {
    if (e instanceof StorageError && e.code === 'Compacted') {
      throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
    }
    throw e;
  }
  return {
    items,
    revision,
    continue: next ? encodeContinue(revision, next) : undefined,
    remainingItemCount: remaining !== undefined && remaining > 0 ? remaining : undefined,
  };
}

