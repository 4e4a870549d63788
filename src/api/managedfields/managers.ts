// metadata.managedFields decoded into managers and their field sets, and encoded back, as
// upstream's fieldmanager keeps them: one entry per manager, operation, apiVersion (Update
// only) and subresource; entries sorted by operation, time, manager, apiVersion, subresource;
// at most ten Update entries, the oldest merged into "ancient-changes".
import { isRecord } from '../json.ts';
import { fromFieldsV1, toFieldsV1, union, type FieldSet } from './fieldpath.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time?: string;
  fields: FieldSet;
}

export const maxUpdateManagers = 10;
const ancientChanges = 'ancient-changes';

/** Who a manager is for ownership: Apply entries are one per manager whatever the apiVersion. */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource]);
}

/** Upstream's printManager, as conflict messages name a manager. */
export function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/** The managers of an object's managedFields; undefined when they cannot be read (upstream then resets them). */
export function decodeManagers(entries: unknown): Manager[] | undefined {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) return undefined;
  const out: Manager[] = [];
  for (const e of entries) {
    if (!isRecord(e) || typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update')) return undefined;
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') return undefined;
    let fields: FieldSet;
    try {
      fields = fromFieldsV1(e.fieldsV1 ?? {});
    } catch {
      return undefined;
    }
    out.push({
      manager: e.manager,
      operation: e.operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      subresource: typeof e.subresource === 'string' ? e.subresource : '',
      time: typeof e.time === 'string' ? e.time : undefined,
      fields,
    });
  }
  return out;
}

export function encodeManagers(managers: Manager[]): ManagedFieldsEntry[] | undefined {
  const kept = capUpdateManagers(managers.filter((m) => m.fields.size > 0));
  if (!kept.length) return undefined;
  const seconds = (m: Manager) => (m.time ? Date.parse(m.time) : 0);
  kept.sort(
    (p, q) =>
      cmp(p.operation, q.operation) || seconds(p) - seconds(q) || cmp(p.manager, q.manager) || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource, q.subresource),
  );
  return kept.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(m.fields),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Past ten Update entries, the oldest fold into one "ancient-changes" entry, as upstream caps them. */
function capUpdateManagers(managers: Manager[]): Manager[] {
  const ancient = managers.find((m) => m.operation === 'Update' && m.manager === ancientChanges);
  const updates = managers.filter((m) => m.operation === 'Update' && m !== ancient);
  if (updates.length + (ancient ? 1 : 0) <= maxUpdateManagers) return managers;
  // The ancient entry counts toward the cap: keep maxUpdateManagers - 1 of the newest beside it.
  const byAge = [...updates].sort((a, b) => (a.time ? Date.parse(a.time) : 0) - (b.time ? Date.parse(b.time) : 0));
  const folded = byAge.slice(0, updates.length - (maxUpdateManagers - 1));
  const foldedSet = new Set(folded);
  const fields = folded.reduce((acc, m) => union(acc, m.fields), ancient?.fields ?? new Set<string>());
  const rest = managers.filter((m) => !foldedSet.has(m) && m !== ancient);
  const last = folded[folded.length - 1];
  return [...rest, { manager: ancientChanges, operation: 'Update', apiVersion: last.apiVersion, subresource: '', time: last.time, fields }];
}
