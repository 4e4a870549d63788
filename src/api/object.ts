// The common shape of every API object. Berth keeps objects as plain JSON; each kind's typed
// view extends KubeObject (core/v1 in ./core/), and code that handles any kind sees only this.
import { isRecord } from './json.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

/** Upstream's timestamp format: RFC 3339 with second precision. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** MicroTime (Lease renewTime, Event eventTime): RFC 3339 with microseconds. */
export function rfc3339Micro(date: Date, extraMicros = 0): string {
  const micros = String(date.getUTCMilliseconds() * 1000 + extraMicros).padStart(6, '0');
  return date.toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/**
 * An object of any kind as decoded JSON (upstream's unstructured.Unstructured): metadata is
 * typed, every other field is `unknown` until the reader narrows it.
 */
export type Unstructured = KubeObject & Record<string, unknown>;

/**
 * A decoded JSON object as an API object: its metadata when that is a JSON object, else an
 * empty one. What apiVersion and kind say is checked by the store of the resource it is sent to.
 */
export function unstructured(value: Record<string, unknown>): Unstructured {
  const { metadata } = value;
  return { ...value, metadata: isRecord(metadata) ? metadata : {} };
}
