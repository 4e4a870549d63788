// Helpers shared by the per-resource strategies: ages as kubectl prints them, upstream's
// semantic equality, and the carry-over rules of main-resource and status updates.
import { isRecord } from '../../../api/json.ts';
import type { KubeObject } from '../../../api/object.ts';
import type { TableColumn } from '../strategy.ts';

/** Upstream's duration.HumanDuration: "45s", "3m20s", "5h10m", "3d4h", "2y10d". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return d === 0 ? `${y}y` : `${y}y${d}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Time since a timestamp as kubectl shows it; "<unknown>" when there is none. */
export function since(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

export function age(obj: KubeObject, now: Date): string {
  return since(obj.metadata?.creationTimestamp, now);
}

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Cannot be updated.',
};

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

const isEmptyCollection = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);

/** Upstream's semantic equality: like deep equality, but nil and empty collections are the same. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmptyCollection(a) && isEmptyCollection(b)) {
    // An absent scalar and an empty collection are not the same thing.
    return (a === undefined || a === null || typeof a === 'object') && (b === undefined || b === null || typeof b === 'object');
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
  return true;
}

/** An object of a kind with a status (pods, nodes, services, namespaces). */
type WithStatus = KubeObject & { status?: object };

/** Main-resource update: the status is the status subresource's business. */
export function keepStatus<T extends WithStatus>(obj: T, old: T): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = structuredClone(old.status);
}

/**
 * Status update: everything but status comes from old. Pods and nodes (as upstream) still
 * let a status writer change labels and annotations; other kinds keep all of old's metadata.
 */
export function keepAllButStatus<T extends WithStatus>(obj: T, old: T, opts: { labelsAndAnnotations?: boolean } = {}): void {
  const { labels, annotations, resourceVersion } = obj.metadata ?? {};
  for (const k of Object.keys(obj)) if (k !== 'status') Reflect.deleteProperty(obj, k);
  const { status: _oldStatus, ...rest } = old;
  Object.assign(obj, structuredClone(rest));
  if (opts.labelsAndAnnotations) {
    if (labels === undefined) delete obj.metadata.labels;
    else obj.metadata.labels = labels;
    if (annotations === undefined) delete obj.metadata.annotations;
    else obj.metadata.annotations = annotations;
  }
  // resourceVersion is the client's precondition: keep what it sent.
  if (resourceVersion === undefined) delete obj.metadata.resourceVersion;
  else obj.metadata.resourceVersion = resourceVersion;
}

/** Upstream's labels.FormatLabels / selector rendering: "a=b,c=d" sorted, or "<none>". */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** "<a>,<b>,<c> + N more..." as upstream's list printers. */
export function listWithMore(list: string[], max: number, empty: string): string {
  if (list.length === 0) return empty;
  const shown = list.slice(0, max).join(',');
  return list.length > max ? `${shown} + ${list.length - max} more...` : shown;
}
