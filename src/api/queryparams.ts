// Query parameters as upstream reads them (apimachinery's url.Values conversions and the
// validation of ListOptions and PodLogOptions), shared by the API server and the kubelet.
// Pure: each function reads a URLSearchParams and returns values or throws a StatusError.
import { errors, StatusError } from './errors.ts';
import { field, fieldErrorBody, fieldErrorMessage, type FieldError } from './validation/field.ts';

/**
 * One boolean value as runtime.Convert_Slice_string_To_bool reads it: false only for "0" or
 * "false" in any case, true for anything else ("True", "yes", even "").
 */
export function parseBool(value: string): boolean {
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** A boolean parameter (its first value); undefined when absent. */
export function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  return v === null ? undefined : parseBool(v);
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/**
 * strconv.ParseInt(s, 10, 64) as Go does it: optional sign, decimal digits, int64 range.
 * Returns the number or the Go error text.
 */
export function parseInt64(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n < int64Min || n > int64Max) return `strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`;
  return Number(n);
}

/** An integer parameter; undefined when absent or empty; a bad value is a 400 naming it. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = parseInt64(v);
  if (typeof n === 'string') throw errors.badRequest(`invalid value for query parameter ${name}: ${n}`);
  return n;
}

function stringParam(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v === '' ? undefined : v;
}

export type ResourceVersionMatch = 'Exact' | 'NotOlderThan';

/** ListOptions as a list or watch reads them from the query. */
export interface ListQuery {
  watch: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  limit?: number;
  continue?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  /** Tri-state as upstream: unset keeps the legacy behaviour, false skips the initial state. */
  sendInitialEvents?: boolean;
}

/** The raw ListOptions: every parameter converted, nothing validated. */
export function readListQuery(query: URLSearchParams): ListQuery & { rawMatch?: string } {
  const rawMatch = stringParam(query, 'resourceVersionMatch');
  return {
    watch: boolParam(query, 'watch') ?? false,
    labelSelector: stringParam(query, 'labelSelector'),
    fieldSelector: stringParam(query, 'fieldSelector'),
    resourceVersion: query.get('resourceVersion') ?? undefined,
    resourceVersionMatch: rawMatch === 'Exact' || rawMatch === 'NotOlderThan' ? rawMatch : undefined,
    rawMatch,
    limit: intParam(query, 'limit'),
    continue: stringParam(query, 'continue'),
    timeoutSeconds: intParam(query, 'timeoutSeconds'),
    allowWatchBookmarks: boolParam(query, 'allowWatchBookmarks') ?? false,
    sendInitialEvents: boolParam(query, 'sendInitialEvents'),
  };
}

/** Upstream's ValidateListOptions (the WatchList feature on, as in 1.32). */
export function validateListQuery(o: ListQuery & { rawMatch?: string }): FieldError[] {
  const match = o.rawMatch;
  const errs: FieldError[] = [];
  const p = 'resourceVersionMatch';
  if (o.watch) {
    if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      errs.push(field.forbidden(p, 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    }
    if (match) {
      if (o.sendInitialEvents === undefined) errs.push(field.forbidden(p, 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
      if (match !== 'NotOlderThan') errs.push(field.notSupported(p, match, ['NotOlderThan']));
      if (o.continue) errs.push(field.forbidden(p, 'resourceVersionMatch is forbidden when continue is provided'));
    }
    return errs;
  }
  if (match) {
    if (!o.resourceVersion) errs.push(field.forbidden(p, 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) errs.push(field.forbidden(p, 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(field.notSupported(p, match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0') errs.push(field.forbidden(p, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) errs.push(field.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

/** An Invalid (422) error about options that are not an object (ListOptions, PodLogOptions), as NewInvalid prints it. */
export function invalidOptions(group: string, kind: string, name: string, errs: FieldError[]): StatusError {
  const msgs = errs.map(fieldErrorMessage);
  const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  const qualified = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualified} ${JSON.stringify(name)} is invalid: ${joined}`, {
    name,
    group: group || undefined,
    kind,
    causes: errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  });
}

/**
 * A list or watch request's options, converted and validated as upstream's ListResource does.
 * `watch` is whether the request is a watch (the watch parameter or a /watch/ path).
 */
export function parseListQuery(query: URLSearchParams, watch: boolean): ListQuery {
  const { rawMatch, ...o } = readListQuery(query);
  const errs = validateListQuery({ ...o, watch, rawMatch });
  if (errs.length) throw invalidOptions('meta.k8s.io', 'ListOptions', '', errs);
  return { ...o, watch };
}

/** PodLogOptions as pods/log and the kubelet's /containerLogs read them. */
export interface LogQuery {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function timeParam(query: URLSearchParams, name: string): Date | undefined {
  const v = stringParam(query, name);
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!rfc3339.test(v) || Number.isNaN(d.getTime())) {
    throw errors.badRequest(`invalid value for query parameter ${name}: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": not RFC 3339`);
  }
  return d;
}

/** Upstream's ValidatePodLogOptions. */
export function validateLogQuery(o: LogQuery): FieldError[] {
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) errs.push(field.invalid('tailLines', o.tailLines, 'must be greater than or equal to 0'));
  if (o.limitBytes !== undefined && o.limitBytes < 1) errs.push(field.invalid('limitBytes', o.limitBytes, 'must be greater than 0'));
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    errs.push(field.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  } else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) {
    errs.push(field.invalid('sinceSeconds', o.sinceSeconds, 'must be greater than 0'));
  }
  return errs;
}

/** A log request's options, converted and validated; `pod` names the pod in a 422. */
export function parseLogQuery(query: URLSearchParams, pod: string): LogQuery {
  const o: LogQuery = {
    container: stringParam(query, 'container'),
    follow: boolParam(query, 'follow') ?? false,
    previous: boolParam(query, 'previous') ?? false,
    timestamps: boolParam(query, 'timestamps') ?? false,
    tailLines: intParam(query, 'tailLines'),
    limitBytes: intParam(query, 'limitBytes'),
    sinceSeconds: intParam(query, 'sinceSeconds'),
    sinceTime: timeParam(query, 'sinceTime'),
  };
  const errs = validateLogQuery(o);
  if (errs.length) throw invalidOptions('', 'PodLogOptions', pod, errs);
  return o;
}

/** The canonical query of log options (booleans as "true"), as the API server sends them on to the kubelet. */
export function logQueryString(o: LogQuery): URLSearchParams {
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes));
  if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) q.set('sinceTime', o.sinceTime.toISOString().replace(/\.000Z$/, 'Z'));
  return q;
}

/** DeleteOptions from the query (gracePeriodSeconds, orphanDependents, propagationPolicy). */
export interface DeleteQuery {
  gracePeriodSeconds?: number;
  orphanDependents?: boolean;
  propagationPolicy?: string;
}

export function parseDeleteQuery(query: URLSearchParams): DeleteQuery {
  return {
    gracePeriodSeconds: intParam(query, 'gracePeriodSeconds'),
    orphanDependents: boolParam(query, 'orphanDependents'),
    propagationPolicy: stringParam(query, 'propagationPolicy'),
  };
}
