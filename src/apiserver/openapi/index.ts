// The OpenAPI documents kubectl and clients fetch: /openapi/v3 (an index of group-version
// documents, each addressed with a content hash) and /openapi/v2 (Swagger 2.0 JSON).
// Documents are built on first use and then kept; nothing is computed at import time.
import { createHash } from 'node:crypto';
import { classForKind } from '../../api/schema/models.ts';
import { serverVersion } from '../http/discovery.ts';
import { resources as servedResources, type ResourceInfo } from '../registry/resources.ts';
import { createSchemaNamer, namingRoots, primitiveNames, subresourceKind, type SchemaNamer } from './names.ts';
import { buildPaths, groupVersionWord, type GroupVersionPaths } from './paths.ts';
import { buildSchemas, ref, type GroupVersionKind, type Schema } from './schemas.ts';
import { toSwagger2 } from './v2.ts';

export interface OpenApiDocument {
  body: string;
  /** Upper-case hex SHA-512 of body; the index's serverRelativeURL carries it as ?hash=. */
  hash: string;
}

export interface OpenApiDocuments {
  /** The /openapi/v3 index: `{ paths: { 'api/v1': { serverRelativeURL } , ... } }`. */
  v3Index(): object;
  /** The document at /openapi/v3/<path> ('api/v1', 'apis/coordination.k8s.io/v1', 'apis', ...). */
  v3Document(path: string): OpenApiDocument | undefined;
  /** Swagger 2.0 JSON of everything served. */
  v2(): string;
}

const securitySchemes = {
  BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token: "Bearer <token>".' },
};

export function contentHash(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

/** Which kinds each model class is served as (the schemas' x-kubernetes-group-version-kind). */
function servedKinds(rs: ResourceInfo[]): Map<string, GroupVersionKind[]> {
  const kinds = new Map<string, GroupVersionKind[]>();
  const add = (className: string | undefined, gvk: GroupVersionKind): void => {
    if (!className) return;
    const list = kinds.get(className) ?? [];
    if (!list.some((k) => k.group === gvk.group && k.version === gvk.version && k.kind === gvk.kind)) list.push(gvk);
    kinds.set(className, list);
  };
  for (const r of rs) {
    add(classForKind(r.group, r.version, r.kind), { group: r.group, version: r.version, kind: r.kind });
    add(classForKind(r.group, r.version, `${r.kind}List`), { group: r.group, version: r.version, kind: `${r.kind}List` });
    for (const s of r.subresources ?? []) {
      const k = subresourceKind(r, s);
      if (k) add(k.className, { group: k.group, version: k.version, kind: s.kind });
    }
  }
  // Options and watch events are served in every group-version, as upstream declares them.
  const gvs = [...new Map(rs.map((r) => [`${r.group}/${r.version}`, r])).values()];
  for (const r of gvs) {
    add('V1DeleteOptions', { group: r.group, version: r.version, kind: 'DeleteOptions' });
    add('V1WatchEvent', { group: r.group, version: r.version, kind: 'WatchEvent' });
  }
  add('V1Status', { group: '', version: 'v1', kind: 'Status' });
  return kinds;
}

/** A discovery path ('/api/', '/apis/', '/apis/<group>/', '/version/') as its own small document. */
function discoveryPaths(namer: SchemaNamer, path: string, operationId: string, tag: string, className: string): GroupVersionPaths {
  const schema = ref(namer.nameOf(className));
  const content = Object.fromEntries(['application/json', 'application/yaml'].map((t) => [t, { schema }]));
  return {
    paths: {
      [path]: {
        get: {
          tags: [tag],
          description: 'Discovery information.',
          operationId,
          responses: { '200': { description: 'OK', content }, '401': { description: 'Unauthorized' } },
        },
      },
    },
    classes: new Set([className]),
  };
}

export function createOpenApiDocuments(rs: ResourceInfo[] = servedResources): OpenApiDocuments {
  const info = { title: 'Kubernetes', version: serverVersion.gitVersion };
  let namer: SchemaNamer | undefined;
  let kinds: Map<string, GroupVersionKind[]> | undefined;
  let parts: Map<string, GroupVersionPaths> | undefined;
  const docs = new Map<string, { object: { info: Schema; paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } }; doc: OpenApiDocument }>();
  let index: object | undefined;
  let v2: string | undefined;

  /** The paths of every document, keyed by its /openapi/v3 path. Cheap: schemas come later. */
  const allParts = (): Map<string, GroupVersionPaths> => {
    if (parts) return parts;
    namer = createSchemaNamer(namingRoots(rs));
    kinds = servedKinds(rs);
    parts = new Map();
    const gvs = [...new Map(rs.map((r) => [`${r.group}/${r.version}`, { group: r.group, version: r.version }])).values()];
    parts.set('api', discoveryPaths(namer, '/api/', 'getCoreAPIVersions', 'core', 'V1APIVersions'));
    parts.set('apis', discoveryPaths(namer, '/apis/', 'getAPIVersions', 'apis', 'V1APIGroupList'));
    for (const gv of gvs) {
      if (gv.group && !parts.has(`apis/${gv.group}`)) {
        const word = groupVersionWord(gv.group, '');
        parts.set(`apis/${gv.group}`, discoveryPaths(namer, `/apis/${gv.group}/`, `get${word}APIGroup`, gv.group.replace(/\.k8s\.io$/, ''), 'V1APIGroup'));
      }
      const key = gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
      const inGv = rs.filter((r) => r.group === gv.group && r.version === gv.version);
      parts.set(key, buildPaths(namer, gv.group, gv.version, inGv));
    }
    parts.set('version', discoveryPaths(namer, '/version/', 'getCodeVersion', 'version', 'VersionInfo'));
    return parts;
  };

  const build = (path: string) => {
    const cached = docs.get(path);
    if (cached) return cached;
    const part = allParts().get(path);
    if (!part) return undefined;
    const schemas = buildSchemas(namer!, [...part.classes], kinds!, [...(part.primitives ?? [])]);
    const object = { openapi: '3.0.0', info, paths: part.paths, components: { schemas, securitySchemes } };
    const body = JSON.stringify(object);
    const entry = { object, doc: { body, hash: contentHash(body) } };
    docs.set(path, entry);
    return entry;
  };

  return {
    v3Index() {
      if (index) return index;
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const key of allParts().keys()) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${build(key)!.doc.hash}` };
      index = { paths };
      return index;
    },
    v3Document(path) {
      return build(path.replace(/^\/+|\/+$/g, ''))?.doc;
    },
    v2() {
      v2 ??= toSwagger2([...allParts().keys()].map((k) => build(k)!.object), info);
      return v2;
    },
  };
}

let defaults: OpenApiDocuments | undefined;
const served = (): OpenApiDocuments => (defaults ??= createOpenApiDocuments());

/** The /openapi/v3 index of the resources Berth serves. */
export function openApiV3Index(): object {
  return served().v3Index();
}

/** The /openapi/v3/<groupVersionPath> document, or undefined for an unknown path. */
export function openApiV3Document(groupVersionPath: string): OpenApiDocument | undefined {
  return served().v3Document(groupVersionPath);
}

/** The /openapi/v2 document (Swagger 2.0 JSON). */
export function openApiV2(): string {
  return served().v2();
}
