// Field ownership on every write, as upstream's fieldmanager records it in
// metadata.managedFields. An Update (create, PUT, any non-apply PATCH) gives its manager the
// fields it changed and takes them from everyone else; an Apply (server-side apply) merges an
// applied configuration into the object, refuses to change another manager's field without
// `force` (409, one cause per field), and removes the fields its manager set before and leaves
// out now, when nobody else owns them.
import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../errors.ts';
import { isRecord } from '../json.ts';
import type { KubeObject } from '../object.ts';
import { ancestors, child, fieldElement, formatPath, sameSet, type FieldPath, type FieldSet } from './fieldpath.ts';
import { decodeManagers, describeManager, encodeManagers, managerId, type Manager } from './managers.ts';
import { compare, fieldValues, merge, removeFields } from './typed.ts';

/** What a write's field bookkeeping needs to know about the resource and the request. */
export interface FieldScope {
  /** client-node model class of the kind ('V1Pod'); undefined walks the object untyped. */
  className: string | undefined;
  apiVersion: string;
  /** '' for the main resource, 'status' for its status subresource. */
  subresource: string;
  /** Paths nobody owns: server-set metadata and the fields the endpoint resets. */
  ignored: ReadonlySet<FieldPath>;
  now: string;
}

const f = (...names: string[]) => names.map(fieldElement).reduce(child, '');

// Upstream's stripmeta: fields the server sets, never owned.
const serverMeta = [
  f('apiVersion'), f('kind'),
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion'].map((n) => f('metadata', n)),
];

/**
 * The paths a write to `subresource` never owns: server metadata, plus what the endpoint resets
 * (the main resource of a kind with a status subresource resets status; status resets spec).
 */
export function ignoredFields(subresource: string, hasStatus: boolean): Set<FieldPath> {
  const out = new Set(serverMeta);
  if (subresource === 'status') out.add(f('spec'));
  else if (hasStatus) out.add(f('status'));
  return out;
}

/** Records an Update by `manager` turning `live` (undefined on create) into `next`; sets next's managedFields. */
export function recordUpdate(live: KubeObject | undefined, next: KubeObject, manager: string, scope: FieldScope): void {
  const managers = startingManagers(live, next);
  const before = live ? fieldValues(live, scope.className, scope.ignored) : new Map<FieldPath, string>();
  const { changed, removed } = compare(before, fieldValues(next, scope.className, scope.ignored));
  for (const m of managers) for (const p of [...changed, ...removed]) m.fields.delete(p);
  if (changed.size) {
    const updater = findOrAdd(managers, { manager, operation: 'Update', apiVersion: scope.apiVersion, subresource: scope.subresource, fields: new Set() });
    for (const p of changed) updater.fields.add(p);
    updater.time = scope.now;
  }
  setManagedFields(next, managers);
}

/**
 * A client may replace managedFields on a non-apply write (`[{}]` clears them); an empty
 * list or the live value keeps what the object has, as upstream does.
 */
function startingManagers(live: KubeObject | undefined, next: KubeObject): Manager[] {
  const requested = next.metadata.managedFields;
  const own = Array.isArray(requested) && requested.length > 0 && !isDeepStrictEqual(requested, live?.metadata.managedFields);
  return decodeManagers(own ? requested : live?.metadata.managedFields) ?? [];
}

function findOrAdd(managers: Manager[], wanted: Manager): Manager {
  const id = managerId(wanted);
  const found = managers.find((m) => managerId(m) === id);
  if (found) {
    found.apiVersion = wanted.apiVersion;
    return found;
  }
  managers.push(wanted);
  return wanted;
}

function setManagedFields(obj: KubeObject, managers: Manager[]): void {
  const entries = encodeManagers(managers);
  if (entries) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

export interface ApplyRequest {
  manager: string;
  force: boolean;
}

/**
 * Server-side apply of `config` by `req.manager` to `live` (undefined: the object is created).
 * Returns the object to store, managedFields set; throws the 409 of upstream on conflicts.
 */
export function apply(live: KubeObject | undefined, config: KubeObject, req: ApplyRequest, scope: FieldScope): KubeObject {
  if (config.metadata?.managedFields !== undefined && config.metadata.managedFields !== null) {
    throw new StatusError(400, 'BadRequest', 'metadata.managedFields must be nil');
  }
  const { className, ignored } = scope;
  const managers = live ? liveManagers(live, scope) : [];
  const liveValues = live ? fieldValues(live, className, ignored) : new Map<FieldPath, string>();
  const configSet = new Set(fieldValues(config, className, ignored).keys());
  let result = (live ? merge(live, config, className) : structuredClone(config)) as KubeObject;

  const applier = findOrAdd(managers, { manager: req.manager, operation: 'Apply', apiVersion: scope.apiVersion, subresource: scope.subresource, fields: new Set() });
  const others = managers.filter((m) => m !== applier);
  const { changed } = compare(liveValues, fieldValues(result, className, ignored));
  takeConflicting(others, changed, req.force);

  const previous = applier.fields;
  const dropped = droppedFields(previous, configSet, others);
  if (dropped.size) result = removeFields(result, dropped, className) as KubeObject;
  const resultValues = fieldValues(result, className, ignored);
  const diff = compare(liveValues, resultValues);
  // Nobody owns a field the object no longer has.
  for (const m of others) for (const p of diff.removed) m.fields.delete(p);
  applier.fields = configSet;
  if (!applier.time || diff.changed.size || diff.removed.size || !sameSet(previous, configSet)) applier.time = scope.now;

  if (!isRecord(config.metadata) || config.metadata.resourceVersion === undefined) delete result.metadata.resourceVersion;
  setManagedFields(result, managers);
  return result;
}

/** Upstream gives an object with no managedFields to "before-first-apply", so a first apply still sees conflicts. */
function liveManagers(live: KubeObject, scope: FieldScope): Manager[] {
  const managers = decodeManagers(live.metadata.managedFields) ?? [];
  if (managers.length) return managers;
  const fields = new Set(fieldValues(live, scope.className, scope.ignored).keys());
  return [{ manager: 'before-first-apply', operation: 'Update', apiVersion: scope.apiVersion, subresource: '', fields }];
}

/** Fields the apply changes that others own: a 409 unless forced, then theirs no more. */
function takeConflicting(others: Manager[], changed: FieldSet, force: boolean): void {
  const conflicts: Array<{ manager: Manager; path: FieldPath }> = [];
  for (const m of others) for (const p of m.fields) if (changed.has(p)) conflicts.push({ manager: m, path: p });
  if (!conflicts.length) return;
  if (!force) throw applyConflict(conflicts);
  for (const { manager, path } of conflicts) manager.fields.delete(path);
}

/** What the applier owned and no longer applies, that nobody else owns (nor anything inside it). */
function droppedFields(previous: FieldSet, configSet: FieldSet, others: Manager[]): FieldSet {
  const owned = new Set<FieldPath>();
  for (const m of others) for (const p of m.fields) owned.add(p);
  const holding = ancestors(owned);
  const out: FieldSet = new Set();
  for (const p of previous) if (!configSet.has(p) && !owned.has(p) && !holding.has(p)) out.add(p);
  return out;
}

/** Upstream's apply conflict: 409 Conflict, the message grouped by manager, one cause per field. */
export function applyConflict(conflicts: Array<{ manager: Manager; path: FieldPath }>): StatusError {
  const sorted = conflicts
    .map((c) => ({ who: describeManager(c.manager), field: formatPath(c.path) }))
    .sort((a, b) => (a.who === b.who ? (a.field < b.field ? -1 : 1) : a.who < b.who ? -1 : 1));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${sorted[0].who}: ${sorted[0].field}`;
  } else {
    const lines: string[] = [];
    for (const [i, c] of sorted.entries()) {
      if (i === 0 || sorted[i - 1].who !== c.who) lines.push(`conflicts with ${c.who}:`);
      lines.push(`- ${c.field}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  const causes = sorted.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.who}`, field: c.field }));
  return new StatusError(409, 'Conflict', message, { causes });
}
