// Upstream's "cacher": one storage watch per resource prefix keeps a decoded copy of every
// object and a ring of recent events, and serves any number of lists and watchers from it.
// Each storage event is decoded once; the resulting objects are deep-frozen and shared by
// every list and watcher, so callers must copy before changing them.
import type { KubeObject } from '../../api/object.ts';
import { StorageError } from './interface.ts';
import type { KV, Storage, StorageEvent } from './interface.ts';
import { canDetectChanges, type ChangeDetector } from './changes.ts';
import { RevisionRing } from './eventring.ts';
import { SortedKeys, compare } from './sortedkeys.ts';

export interface CacheEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: T;
  prevObject?: T;
  revision: number;
}

/** A revision the cache did not reach in time (upstream's "Too large resource version"). */
export class TooLargeResourceVersionError extends StorageError {
  constructor(prefix: string, readonly requested: number, readonly cacheRevision: number) {
    super('Unavailable', prefix, `Too large resource version: ${requested}, current: ${cacheRevision}`);
  }
}

export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string | undefined;

export interface WatchCacheOptions<T extends KubeObject = KubeObject> {
  storage: Storage;
  prefix: string;
  /** Decodes JSON and sets metadata.resourceVersion = String(modRevision). */
  decode: (kv: KV) => T;
  /** Events kept for resuming watches. Default 10000. */
  historySize?: number;
  /** Field indexes, e.g. { 'spec.nodeName': (pod) => pod.spec?.nodeName }. */
  indexes?: Record<string, IndexFunc<T>>;
  /** Called with errors the cache recovers from (storage watch failures, undecodable values). */
  onError?: (err: unknown) => void;
}

interface CacheWatcher<T extends KubeObject> {
  afterRevision: number;
  onEvents(events: CacheEvent<T>[]): void;
  queue: CacheEvent<T>[];
}

/** One field index: the field's value of an object, and the keys of the objects by value. */
interface FieldIndex<T extends KubeObject> {
  valueFor(obj: T): string | undefined;
  keys: Map<string, Set<string>>;
}

const POLL_MS = 50;
const MAX_BACKOFF_MS = 5000;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class WatchCache<T extends KubeObject = KubeObject> {
  private readonly storage: Storage;
  private readonly prefix: string;
  private readonly decodeKV: (kv: KV) => T;
  private readonly onError: (err: unknown) => void;

  private readonly objects = new Map<string, T>();
  private readonly keys = new SortedKeys();
  private readonly indexes = new Map<string, FieldIndex<T>>();
  private readonly history: RevisionRing<CacheEvent<T>>;
  /** Every event with a revision above this one is still in `history`. */
  private oldestResumable = 0;
  private rev = 0;
  private primed = false;
  /** Bumped on every (re)list, so callbacks of an abandoned storage watch are ignored. */
  private generation = 0;

  private readonly watchers = new Set<CacheWatcher<T>>();
  private readonly pending = new Set<CacheWatcher<T>>();
  private flushScheduled = false;
  private readonly advanceWaiters = new Set<() => void>();
  private proving: Promise<void> | undefined;
  /** Counts changes to the cached objects, so a proof can tell they stayed as they were. */
  private applied = 0;

  constructor(opts: WatchCacheOptions<T>) {
    this.storage = opts.storage;
    this.prefix = opts.prefix;
    this.decodeKV = opts.decode;
    this.onError = opts.onError ?? (() => {});
    this.history = new RevisionRing(opts.historySize ?? 10_000);
    for (const [name, valueFor] of Object.entries(opts.indexes ?? {})) this.indexes.set(name, { valueFor, keys: new Map() });
  }

  /** Lists, then watches from the list revision; resolves once primed. Runs until the signal aborts. */
  async start(signal: AbortSignal): Promise<void> {
    await this.relistAndWatch(signal);
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
  }

  /** Highest revision the cache is known to be complete up to. */
  revision(): number {
    return this.rev;
  }

  /**
   * Waits until the cache is complete up to rev. Rejects with StorageError 'Unavailable'
   * ("Too large resource version", as upstream) after timeoutMs.
   */
  async waitForRevision(rev: number, signal?: AbortSignal, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.rev < rev) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new TooLargeResourceVersionError(this.prefix, rev, this.rev);
      }
      await this.proveQuiet(rev);
      if (this.rev >= rev) return;
      await this.nextAdvance(Math.min(POLL_MS, left), signal);
    }
  }

  /**
   * A revision the cache is complete up to and that is at least the storage's current
   * revision at the time of the call: reads served at it see every write that finished
   * before. The cache gets there by its own events, or by asking the storage whether the
   * prefix changed since (see changes.ts); etcd 3.4's progress requests are not used, as
   * before 3.4.25 they can overtake pending events (etcd issue #15220).
   */
  async consistentRevision(): Promise<number> {
    const current = await this.storage.currentRevision();
    await this.waitForRevision(current);
    return this.rev;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  /** Objects under prefix (default: all), optionally through an index, sorted by key. */
  list(opts: { prefix?: string; index?: { name: string; value: string } } = {}): { items: T[]; revision: number } {
    const prefix = opts.prefix ?? this.prefix;
    let keys: string[];
    if (opts.index) {
      const index = this.indexes.get(opts.index.name);
      if (!index) throw new Error(`watch cache for ${this.prefix} has no index ${JSON.stringify(opts.index.name)}`);
      keys = [...(index.keys.get(opts.index.value) ?? [])].filter((k) => k.startsWith(prefix)).sort(compare);
    } else {
      keys = this.keys.withPrefix(prefix);
    }
    return { items: keys.map((k) => this.objects.get(k)!), revision: this.rev };
  }

  /**
   * Delivers every event with revision > afterRevision: first the kept ones, then live ones,
   * always on a later tick. Throws StorageError 'Compacted' when those events are no longer
   * kept. An afterRevision ahead of the cache simply delivers nothing until it is passed.
   */
  watch(afterRevision: number, onEvents: (events: CacheEvent<T>[]) => void, signal: AbortSignal): void {
    if (!this.primed) throw new StorageError('Unavailable', this.prefix, 'watch cache is not ready');
    if (afterRevision < this.oldestResumable) {
      throw new StorageError('Compacted', this.prefix, `too old resource version: ${afterRevision} (${this.oldestResumable})`);
    }
    if (signal.aborted) return;
    const watcher: CacheWatcher<T> = { afterRevision, onEvents, queue: [] };
    this.watchers.add(watcher);
    signal.addEventListener('abort', () => {
      this.watchers.delete(watcher);
      this.pending.delete(watcher);
    }, { once: true });
    const backlog = this.history.after(afterRevision);
    if (backlog.length > 0) this.enqueue(watcher, backlog);
  }

  // ---- keeping the cache in sync ----

  private async relistAndWatch(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const listed = await this.storage.list(this.prefix);
        if (signal.aborted) return;
        const generation = ++this.generation;
        this.replace(listed.kvs, listed.revision);
        this.watchStorage(generation, signal);
        return;
      } catch (err) {
        this.onError(err);
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt), signal);
      }
    }
  }

  private watchStorage(generation: number, signal: AbortSignal): void {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.storage.watch(
      this.prefix,
      { afterRevision: this.rev, signal: stop.signal },
      (events) => {
        if (generation === this.generation) this.apply(events);
      },
      (err) => {
        stop.abort();
        signal.removeEventListener('abort', onAbort);
        if (generation !== this.generation || signal.aborted) return;
        this.onError(err);
        void this.relistAndWatch(signal);
      },
    );
  }

  /** Installs a fresh list; after the first, tells watchers the difference. */
  private replace(kvs: KV[], revision: number): void {
    const fresh = new Map<string, T>();
    for (const kv of kvs) {
      const obj = this.decode(kv);
      if (obj) fresh.set(kv.key, obj);
    }
    const changes: CacheEvent<T>[] = [];
    if (this.primed) {
      for (const [key, old] of this.objects) {
        if (!fresh.has(key)) changes.push({ type: 'DELETED', key, object: withRevision(old, revision), prevObject: old, revision });
      }
      for (const [key, obj] of fresh) {
        const old = this.objects.get(key);
        if (!old) changes.push({ type: 'ADDED', key, object: obj, revision });
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
          changes.push({ type: 'MODIFIED', key, object: obj, prevObject: old, revision });
        }
      }
    }
    this.objects.clear();
    for (const index of this.indexes.values()) index.keys.clear();
    for (const [key, obj] of fresh) {
      this.objects.set(key, obj);
      this.indexAdd(key, obj);
    }
    this.keys.reset(fresh.keys());
    this.applied++;
    // Events between the old state and this list are unknown: nobody can resume from before it.
    this.history.clear();
    this.oldestResumable = Math.max(revision, this.oldestResumable);
    this.primed = true;
    this.advance(revision);
    if (changes.length > 0) this.dispatch(changes);
  }

  private apply(batch: StorageEvent[]): void {
    const events = batch.filter((ev) => ev.revision > this.rev);
    if (events.length < batch.length) {
      // Only a key created and deleted before a compaction the cache proved itself across.
      this.onError(new Error(`watch cache ${this.prefix}: ignored ${batch.length - events.length} event(s) at or below revision ${this.rev}, which it already holds`));
    }
    if (events.length > 0) this.applied++;
    const out: CacheEvent<T>[] = [];
    for (const ev of events) {
      const prev = this.objects.get(ev.key);
      const decoded = ev.type === 'delete' && ev.value === ''
        ? prev && withRevision(prev, ev.revision) // etcd lost prev_kv to compaction
        : this.decode({ key: ev.key, value: ev.value, modRevision: ev.revision, createRevision: ev.createRevision });
      if (!decoded) continue;
      if (prev) this.indexRemove(ev.key, prev);
      if (ev.type === 'delete') {
        this.objects.delete(ev.key);
        this.keys.remove(ev.key);
        if (prev) out.push({ type: 'DELETED', key: ev.key, object: decoded, prevObject: prev, revision: ev.revision });
      } else {
        this.objects.set(ev.key, decoded);
        this.indexAdd(ev.key, decoded);
        if (!prev) this.keys.add(ev.key);
        out.push(prev
          ? { type: 'MODIFIED', key: ev.key, object: decoded, prevObject: prev, revision: ev.revision }
          : { type: 'ADDED', key: ev.key, object: decoded, revision: ev.revision });
      }
    }
    for (const event of out) {
      const evicted = this.history.push(event);
      if (evicted) this.oldestResumable = Math.max(this.oldestResumable, evicted.revision);
    }
    if (events.length > 0) this.advance(events[events.length - 1].revision);
    if (out.length > 0) this.dispatch(out);
  }

  private decode(kv: KV): T | undefined {
    try {
      return deepFreeze(this.decodeKV(kv));
    } catch (err) {
      this.onError(new Error(`watch cache ${this.prefix}: cannot decode ${kv.key} at ${kv.modRevision}: ${String(err)}`));
      return undefined;
    }
  }

  private indexAdd(key: string, obj: T): void {
    for (const index of this.indexes.values()) {
      const value = index.valueFor(obj);
      if (value === undefined) continue;
      let keys = index.keys.get(value);
      if (!keys) index.keys.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private indexRemove(key: string, obj: T): void {
    for (const index of this.indexes.values()) {
      const value = index.valueFor(obj);
      if (value === undefined) continue;
      const keys = index.keys.get(value);
      keys?.delete(key);
      if (keys?.size === 0) index.keys.delete(value);
    }
  }

  // ---- revisions ----

  private advance(revision: number): void {
    if (revision <= this.rev) return;
    this.rev = revision;
    for (const wake of this.advanceWaiters) wake();
    this.advanceWaiters.clear();
  }

  private nextAdvance(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.advanceWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.advanceWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Moves the cache's revision up to min(target, storage's) when the prefix saw no writes since. */
  private proveQuiet(target: number): Promise<void> {
    // Concurrent waiters share one round of storage queries.
    this.proving ??= this.proveQuietOnce(target).finally(() => (this.proving = undefined));
    return this.proving;
  }

  private async proveQuietOnce(target: number): Promise<void> {
    if (!this.primed || !canDetectChanges(this.storage)) return;
    const storage = this.storage;
    const from = this.rev;
    const applied = this.applied;
    try {
      const upTo = Math.min(target, await storage.currentRevision());
      if (upTo <= from) return;
      try {
        if (!(await storage.changedBetween(this.prefix, from, upTo))) this.advance(upTo);
        return;
      } catch (err) {
        if (!(err instanceof StorageError && err.code === 'Compacted')) throw err;
      }
      // Compaction has passed `from` (the prefix was quiet that long): compare what the cache
      // holds, unchanged since `from`, with storage instead.
      if (this.applied !== applied) return;
      const now = await this.quietAcrossCompaction(storage, this.modRevisions());
      if (now !== undefined) this.advance(now);
    } catch (err) {
      this.onError(new Error(`cannot prove ${this.prefix} unchanged since revision ${from}: ${errorMessage(err)}`));
    }
  }

  /**
   * The storage's current revision when the prefix's keys and their revisions there are what
   * the cache holds and nothing under it changed since the compacted revision. A key created
   * and deleted before compaction leaves no trace, but the storage watch delivered it long
   * ago: it is at least one compaction interval old (etcd cancels a watch that falls that far
   * behind, and the cache re-lists).
   */
  private async quietAcrossCompaction(storage: Storage & ChangeDetector, held: Map<string, number>): Promise<number | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const compacted = await storage.compactedRevision();
        const now = await storage.currentRevision();
        const [changed, stored] = await Promise.all([
          storage.changedBetween(this.prefix, compacted, now),
          storage.modRevisionsAt(this.prefix, now),
        ]);
        return !changed && sameRevisions(held, stored) ? now : undefined;
      } catch (err) {
        // Compacted again between the reads: once more with the new compacted revision.
        if (!(err instanceof StorageError && err.code === 'Compacted') || attempt >= 3) throw err;
      }
    }
  }

  /** Each cached key's modRevision (its object's resourceVersion, as decode sets it). */
  private modRevisions(): Map<string, number> {
    const revisions = new Map<string, number>();
    for (const [key, obj] of this.objects) revisions.set(key, Number(obj.metadata.resourceVersion));
    return revisions;
  }

  // ---- fan-out ----

  private dispatch(events: CacheEvent<T>[]): void {
    for (const watcher of this.watchers) this.enqueue(watcher, events);
  }

  private enqueue(watcher: CacheWatcher<T>, events: CacheEvent<T>[]): void {
    for (const event of events) if (event.revision > watcher.afterRevision) watcher.queue.push(event);
    if (watcher.queue.length === 0) return;
    this.pending.add(watcher);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const ready = [...this.pending];
    this.pending.clear();
    for (const watcher of ready) {
      const batch = watcher.queue;
      watcher.queue = [];
      if (!this.watchers.has(watcher) || batch.length === 0) continue;
      try {
        watcher.onEvents(batch);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

/** True when both maps hold the same keys at the same revisions. */
export function sameRevisions(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, revision] of a) if (b.get(key) !== revision) return false;
  return true;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A frozen copy of obj whose resourceVersion is revision (for deletions seen without a value). */
function withRevision<T extends KubeObject>(obj: T, revision: number): T {
  return deepFreeze({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } });
}
