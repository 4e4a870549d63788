// Resource requests: the REST verbs of every stored resource, mapped onto its Store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, StatusError } from '../../api/errors.ts';
import { numberOf, recordOf, stringOf } from '../../api/json.ts';
import { unstructured, type KubeObject } from '../../api/object.ts';
import { applyPatch } from '../../api/patch/index.ts';
import { apply } from '../../api/managedfields/index.ts';
import { classForKind } from '../../api/schema/models.ts';
import { unknownFields } from '../../api/schema/unknown.ts';
import { intParam, parseListQuery, type ListQuery } from '../../api/queryparams.ts';
import { namespacePrefix } from '../registry/keys.ts';
import { encodeContinue } from '../registry/pagination.ts';
import type { DeleteOptions, ListOptions, Store, WriteOptions } from '../registry/store.ts';
import { decodeApplyConfiguration, isApplyPatch, writeManager } from './fieldmanager.ts';
import type { ResourceInfo } from '../registry/resources.ts';
import { decodeObject, readBody } from './body.ts';
import { deletedStatus } from './deleted.ts';
import type { RequestInfo } from './requestinfo.ts';
import { parseAccept, writeJson } from './respond.ts';
import { toTable, type IncludeObject } from './table.ts';
import { listJson } from './serialize.ts';
import { serveWatch } from './watch.ts';

/** Checks a write against admission that needs the old and new object (NodeRestriction). */
export type WriteAdmission = (obj: KubeObject | undefined, old: KubeObject | undefined) => void;

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  resource: ResourceInfo;
  store: Store;
  query: URLSearchParams;
  admit: WriteAdmission;
}

function dryRun(query: URLSearchParams): boolean {
  const v = query.getAll('dryRun');
  for (const d of v) if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
  return v.length > 0;
}

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') {
    throw errors.badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "None", "Metadata", "Object"`);
  }
  return v;
}

/**
 * Server-side field validation (fieldValidation=Strict|Warn|Ignore, default Warn):
 * unknown fields reject the request under Strict and come back as warnings under Warn.
 */
function checkFields(r: ResourceRequest, obj: KubeObject): string[] {
  const mode = r.query.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(mode)}: supported values: "Ignore", "Warn", "Strict"`);
  }
  if (mode === 'Ignore') return [];
  const cls = classForKind(r.resource.group, r.resource.version, r.resource.kind);
  const unknown = cls ? unknownFields(obj, cls) : [];
  if (!unknown.length) return [];
  if (mode === 'Strict') {
    const list = unknown.map((f) => `unknown field "${f}"`).join(', ');
    throw errors.badRequest(`${r.resource.kind} in version "${r.resource.version}" cannot be handled as a ${r.resource.kind}: strict decoding error: ${list}`);
  }
  return unknown.map((f) => `299 - "unknown field \\"${f}\\""`);
}

function respondObject(r: ResourceRequest, code: number, obj: KubeObject, warnings: string[] = []): void {
  const headers: Record<string, string> = warnings.length ? { Warning: warnings.join(', ') } : {};
  const accept = parseAccept(r.req.headers.accept);
  if (accept.table) {
    const body = toTable(r.resource, r.store.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion }, { include: includeObject(r.query), columns: true });
    writeJson(r.res, code, body, headers);
  } else if (accept.partialMetadata) {
    writeJson(r.res, code, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata }, headers);
  } else {
    writeJson(r.res, code, obj, headers);
  }
}

function listOptions(o: ListQuery): ListOptions {
  return { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue, resourceVersion: o.resourceVersion };
}

/**
 * The revision a list must be read at exactly, as upstream's semantics table has it:
 * resourceVersionMatch=Exact, or (legacy) a non-zero resourceVersion with limit and no continue.
 */
export function exactRevision(o: ListQuery): number | undefined {
  const rv = o.resourceVersion;
  if (!rv || rv === '0' || o.continue) return undefined;
  if (o.resourceVersionMatch !== 'Exact' && (o.resourceVersionMatch || !o.limit)) return undefined;
  const n = Number(rv);
  if (!/^[0-9]+$/.test(rv) || !Number.isSafeInteger(n)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return n;
}

/** Store list options for a list request, with upstream's resourceVersion rules applied. */
function storeListOptions(r: ResourceRequest, o: ListQuery): ListOptions {
  const rv = o.resourceVersion;
  if (o.continue && rv && rv !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
  const exact = exactRevision(o);
  if (exact === undefined) return listOptions(o);
  // A read pinned to one revision is the first page of a paginated read at that revision.
  const start = encodeContinue(exact, namespacePrefix(r.resource, r.info.namespace));
  return { ...listOptions(o), resourceVersion: undefined, continue: start };
}

async function readList(r: ResourceRequest, o: ListQuery) {
  const opts = storeListOptions(r, o);
  try {
    return await r.store.list(r.info.namespace, opts);
  } catch (e) {
    const exact = exactRevision(o);
    if (exact !== undefined && e instanceof StatusError && e.reason === 'Expired') throw errors.expired(`too old resource version: ${exact}`);
    throw e;
  }
}

async function list(r: ResourceRequest): Promise<void> {
  const result = await readList(r, parseListQuery(r.query, false));
  const accept = parseAccept(r.req.headers.accept);
  if (accept.table) {
    writeJson(r.res, 200, toTable(r.resource, r.store.strategy, result.items, result.metadata, { include: includeObject(r.query), columns: true }));
  } else if (accept.partialMetadata) {
    const items = result.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }));
    writeJson(r.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: result.metadata, items });
  } else {
    writeJson(r.res, 200, listJson(result));
  }
}

/**
 * Where a watch starts. sendInitialEvents=false with resourceVersion "" or "0" starts at the
 * most recent (or any recent) revision with no initial state, as upstream.
 */
async function watchStart(store: Store, o: ListQuery): Promise<string | undefined> {
  const rv = o.resourceVersion;
  if (o.sendInitialEvents !== false || (rv && rv !== '0')) return rv;
  return String(rv === '0' ? store.cache.revision() : await store.cache.consistentRevision());
}

async function watch(r: ResourceRequest): Promise<void> {
  const o = parseListQuery(r.query, true);
  const accept = parseAccept(r.req.headers.accept);
  await serveWatch(r.req, r.res, r.store, {
    namespace: r.info.namespace,
    labelSelector: o.labelSelector,
    // A watch of one named object (/watch/namespaces/ns/pods/name) is one of its collection by name.
    fieldSelector: o.fieldSelector ?? (r.info.name ? `metadata.name=${r.info.name}` : undefined),
    resourceVersion: await watchStart(r.store, o),
    sendInitialEvents: o.sendInitialEvents === true,
    allowWatchBookmarks: o.allowWatchBookmarks,
    timeoutSeconds: o.timeoutSeconds,
    table: accept.table ? { include: includeObject(r.query) } : undefined,
  });
}

function decodeBody(r: ResourceRequest): Promise<KubeObject> {
  const { group, version, kind } = r.resource;
  return readBody(r.req).then((text) =>
    unstructured(decodeObject(text, r.req.headers['content-type'], `${kind} in version "${version}" cannot be handled as a ${kind}`, { group, version, kind })),
  );
}

/** Store options of a non-apply write: its dry-run flag and the Update it records in managedFields. */
function updateOptions(r: ResourceRequest, optionsKind: string): WriteOptions {
  return { dryRun: dryRun(r.query), manager: { name: writeManager(r.req, r.query, optionsKind).name, operation: 'Update' } };
}

async function create(r: ResourceRequest): Promise<void> {
  const obj = await decodeBody(r);
  const warnings = checkFields(r, obj);
  r.admit(obj, undefined);
  const created = await r.store.create(r.info.namespace, obj, updateOptions(r, 'CreateOptions'));
  respondObject(r, 201, created, warnings);
}

async function update(r: ResourceRequest): Promise<void> {
  const obj = await decodeBody(r);
  const warnings = checkFields(r, obj);
  const sub = r.info.subresource;
  const updated = await r.store.guaranteedUpdate(
    r.info.namespace,
    r.info.name,
    (current) => {
      r.admit(obj, current);
      return structuredClone(obj);
    },
    sub,
    updateOptions(r, 'UpdateOptions'),
  );
  respondObject(r, 200, updated, warnings);
}

async function patch(r: ResourceRequest): Promise<void> {
  const text = await readBody(r.req);
  const contentType = r.req.headers['content-type'];
  if (isApplyPatch(contentType ?? '')) return serverSideApply(r, text);
  const cls = classForKind(r.resource.group, r.resource.version, r.resource.kind);
  let warnings: string[] = [];
  const patched = await r.store.guaranteedUpdate(
    r.info.namespace,
    r.info.name,
    (current) => {
      const next = applyPatch(current, text, contentType ?? '', cls);
      warnings = checkFields(r, next);
      r.admit(next, current);
      return next;
    },
    r.info.subresource,
    updateOptions(r, 'PatchOptions'),
  );
  respondObject(r, 200, patched, warnings);
}

/**
 * Server-side apply (PATCH application/apply-patch+yaml): the configuration merged into the
 * object with field ownership checked (src/api/managedfields), or the object created from it.
 */
async function serverSideApply(r: ResourceRequest, text: string): Promise<void> {
  const { name, force } = writeManager(r.req, r.query, 'PatchOptions', true);
  const config = decodeApplyConfiguration(text, r.resource, r.info.name);
  const opts: WriteOptions = { dryRun: dryRun(r.query), manager: { name, operation: 'Apply' } };
  const scope = r.store.fieldScope(r.info.subresource);
  let warnings: string[] = [];
  const applied = (current: KubeObject | undefined) => {
    const next = apply(current, config, { manager: name, force }, scope);
    warnings = checkFields(r, next);
    r.admit(next, current);
    return next;
  };
  try {
    const updated = await r.store.guaranteedUpdate(r.info.namespace, r.info.name, applied, r.info.subresource, opts);
    respondObject(r, 200, updated, warnings);
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'NotFound') || r.info.subresource) throw e;
    const created = await r.store.create(r.info.namespace, applied(undefined), opts);
    respondObject(r, 201, created, warnings);
  }
}

async function deleteOptions(r: ResourceRequest): Promise<DeleteOptions> {
  const text = await readBody(r.req);
  const body = text.trim() ? decodeObject(text, r.req.headers['content-type'], 'DeleteOptions') : {};
  const preconditions = body.preconditions === undefined ? undefined : recordOf(body.preconditions);
  return {
    gracePeriodSeconds: intParam(r.query, 'gracePeriodSeconds') ?? numberOf(body.gracePeriodSeconds),
    preconditions: preconditions && { uid: stringOf(preconditions.uid), resourceVersion: stringOf(preconditions.resourceVersion) },
    dryRun: dryRun(r.query) || (Array.isArray(body.dryRun) && body.dryRun.length > 0),
  };
}

async function remove(r: ResourceRequest): Promise<void> {
  const opts = await deleteOptions(r);
  const current = await r.store.get(r.info.namespace, r.info.name);
  r.admit(undefined, current);
  const { object, deleted } = await r.store.delete(r.info.namespace, r.info.name, opts);
  const status = deleted ? deletedStatus(r.resource, object) : undefined;
  // 202 while the object lingers (graceful deletion, finalizers), 200 once it is gone.
  if (status) writeJson(r.res, 200, status);
  else respondObject(r, deleted ? 200 : 202, object);
}

async function removeCollection(r: ResourceRequest): Promise<void> {
  const opts = await deleteOptions(r);
  const result = await r.store.deleteCollection(r.info.namespace, listOptions(parseListQuery(r.query, false)), opts);
  writeJson(r.res, 200, result);
}

const verbs: Record<string, (r: ResourceRequest) => Promise<void>> = {
  get: async (r) => respondObject(r, 200, await r.store.get(r.info.namespace, r.info.name)),
  list,
  watch,
  create,
  update,
  patch,
  delete: remove,
  deletecollection: removeCollection,
};

/** Serves a verb on a stored resource or its status subresource. */
export async function serveResource(r: ResourceRequest): Promise<void> {
  const allowed = r.info.subresource
    ? r.resource.subresources?.find((s) => s.name === r.info.subresource)?.verbs
    : r.resource.verbs;
  if (!allowed?.includes(r.info.verb)) throw errors.methodNotSupported(r.resource, r.info.verb);
  const handler = verbs[r.info.verb];
  if (!handler) throw errors.methodNotSupported(r.resource, r.info.verb);
  await handler(r);
}
