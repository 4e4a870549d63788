// The storage contract: a revisioned key-value store with etcd v3 semantics.
// One global revision counter increments on every write; an object's resourceVersion is
// the revision of its last write (its modRevision). Both backends (SQLite, etcd) implement it
// and pass the same suite (test/integration/storage.test.ts).

export interface KV {
  key: string;
  /** The serialized object (JSON text), exactly as written. */
  value: string;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** Revision at which the key was created. */
  createRevision: number;
}

export interface ListOptions {
  /** Read the state as of this revision (0 = latest). Below the compacted revision: StorageError 'Compacted'. */
  revision?: number;
  /** At most this many keys (0 = no limit). */
  limit?: number;
  /** Start at this key (inclusive); used for continue tokens. Must lie under the prefix. */
  startKey?: string;
}

export interface ListResult {
  kvs: KV[];
  /** The revision the list was read at (the store's current revision when none was asked). */
  revision: number;
  /** True when keys under the prefix remain after the last one returned. */
  more: boolean;
  /** How many keys remain after the last one returned, when known. */
  remaining?: number;
}

export type StorageEventType = 'put' | 'delete';

export interface StorageEvent {
  type: StorageEventType;
  key: string;
  /** The new value (put) or the last value before deletion (delete). */
  value: string;
  /** The previous value, for puts that updated an existing key; undefined on create. */
  prevValue?: string;
  /** The revision of this write. */
  revision: number;
  /** For puts: the key's createRevision (== revision on create). */
  createRevision: number;
}

export interface WatchOptions {
  /** Deliver every event with revision > afterRevision. Too old (compacted): the callback's onError gets 'Compacted'. */
  afterRevision: number;
  signal: AbortSignal;
}

export type StorageErrorCode = 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Compacted' | 'Unavailable';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message?: string,
    /** For Conflict: the current state of the key, so callers can report or retry without a second read. */
    readonly current?: KV,
  ) {
    super(message ?? `${code}: ${key}`);
  }
}

export interface Storage {
  /** The backend's name, for logs and benchmarks: "sqlite" or "etcd". */
  readonly name: string;
  /** Current revision of the whole store. */
  currentRevision(): Promise<number>;
  get(key: string): Promise<KV | undefined>;
  /** Keys with the given prefix, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Creates the key; StorageError 'KeyExists' if present. Returns the new revision. */
  create(key: string, value: string): Promise<number>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals expectedRevision.
   * 'KeyNotFound' if the key is absent, 'Conflict' (with current) if the revision differs.
   */
  update(key: string, value: string, expectedRevision: number): Promise<number>;
  /**
   * Deletes the key, optionally only at expectedRevision. Returns the revision of the
   * deletion and the deleted KV. 'KeyNotFound' / 'Conflict' as for update.
   */
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KV }>;
  /**
   * Streams every change under prefix after options.afterRevision, in revision order,
   * until the signal aborts. Events of one transaction arrive in one batch.
   */
  watch(prefix: string, options: WatchOptions, onEvents: (events: StorageEvent[]) => void, onError: (err: StorageError) => void): void;
  /** Forgets history at or below this revision. */
  compact(revision: number): Promise<void>;
  /** Lowest revision still readable (history below it is compacted). */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
