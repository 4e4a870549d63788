// Continue tokens of paginated lists: the revision of the first page and the next key,
// so every page reads the same snapshot (410 Expired once that revision is compacted).
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
