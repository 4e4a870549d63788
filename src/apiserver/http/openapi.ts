// Serves the OpenAPI documents (built once by src/apiserver/openapi) with cache headers,
// as kubectl expects: /openapi/v3 (index), /openapi/v3/<group-version>?hash=..., /openapi/v2.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openApiV2, openApiV3Document, openApiV3Index } from '../openapi/index.ts';
import { writeJson } from './respond.ts';

export function serveOpenApi(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const p = url.pathname.replace(/\/+$/, '');
  if (p === '/openapi/v3') {
    writeJson(res, 200, openApiV3Index());
    return true;
  }
  if (p.startsWith('/openapi/v3/')) {
    const doc = openApiV3Document(p.slice('/openapi/v3/'.length));
    if (!doc) return false;
    // A request that names the current hash may be cached for good; the hash changes with the content.
    const immutable = url.searchParams.get('hash') === doc.hash;
    writeJson(res, 200, doc.body, {
      Etag: `"${doc.hash}"`,
      'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
      Expires: immutable ? new Date(Date.now() + 365 * 86400_000).toUTCString() : new Date(0).toUTCString(),
    });
    return true;
  }
  if (p === '/openapi/v2') {
    // Berth serves JSON only; a client asking for protobuf alone gets 406 and falls back.
    const accept = req.headers.accept ?? '';
    if (accept && !/application\/json|\*\/\*/.test(accept)) {
      writeJson(res, 406, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'only application/json is served', reason: 'NotAcceptable', code: 406 });
      return true;
    }
    writeJson(res, 200, openApiV2());
    return true;
  }
  return false;
}
