// The generic registry store (upstream's genericregistry.Store): create, read, update, patch,
// delete and watch one resource over the storage, applying the resource's strategy around it.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { errors, StatusError } from '../../api/errors.ts';
import { rfc3339, type KubeList, type KubeObject } from '../../api/object.ts';
import type { FieldError } from '../../api/validation/field.ts';
import { StorageError, type KV, type Storage } from '../storage/interface.ts';
import { TooLargeResourceVersionError, WatchCache, type CacheEvent, type IndexFunc } from '../storage/watchcache.ts';
import { decideDeletion, deleteAfterUpdate } from './deletion.ts';
import { namespacePrefix, objectKey, resourcePrefix } from './keys.ts';
import { groupVersion, type ResourceInfo } from './resources.ts';
import type { Strategy } from './strategy.ts';
import { ignoredFields, recordUpdate, type FieldScope } from '../../api/managedfields/index.ts';
import { classForKind } from '../../api/schema/models.ts';
import { compileSelectors, type Selectors } from './selection.ts';
import { readPage } from './pagination.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** Send the current state first, then a bookmark marking its end (sendInitialEvents). */
  sendInitialEvents?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * Who writes, for managedFields: an Update is recorded here, an Apply arrives with its
   * managedFields already decided (src/api/managedfields). Without one they pass through.
   */
  manager?: { name: string; operation: 'Apply' | 'Update' };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Checks that run before a write reaches storage (admission, cross-object rules). May mutate or throw. */
export interface StoreHooks<T extends KubeObject = KubeObject> {
  beforeCreate?(obj: T): void | Promise<void>;
  beforeUpdate?(obj: T, old: T, subresource: string): void | Promise<void>;
  beforeDelete?(obj: T): void | Promise<void>;
}

export interface StoreOptions<T extends KubeObject> {
  /** Generic ObjectMeta validation with the resource's name rule. */
  validateMeta(obj: KubeObject): FieldError[];
  /** Events the watch cache keeps for resuming watches. */
  historySize?: number;
  /** Field indexes of the watch cache, e.g. pods by spec.nodeName. */
  indexes?: Record<string, IndexFunc<T>>;
  now?: () => Date;
  /** Where the watch cache's recovered errors go; each line names the resource. */
  log?: (msg: string) => void;
}

/** One log line for a watch cache error, naming the resource as upstream's cacher does. */
export function cacheErrorLine(info: ResourceInfo, err: unknown): string {
  const resource = info.group ? `${info.resource}.${info.group}` : info.resource;
  return `watch cache ${resource}: ${err instanceof Error ? err.message : String(err)}`;
}

/** Upstream's answer to a revision the watch cache did not reach in time: 504, retry after a second. */
export function tooLargeResourceVersion(err: TooLargeResourceVersionError): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: ${err.message}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += nameChars[Math.floor(Math.random() * nameChars.length)];
  return s;
}

/**
 * One resource's objects, of kind T, and the watch cache over them. Storage under the
 * resource's prefix holds only what this store wrote: objects its strategy validated.
 */
export class Store<T extends KubeObject = KubeObject> {
  readonly apiVersion: string;
  /** The kind's client-node model class, which guides field ownership. */
  readonly className: string | undefined;
  readonly hooks: StoreHooks<T>[] = [];
  readonly cache: WatchCache<T>;
  private readonly validateMeta: (obj: KubeObject) => FieldError[];
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;

  constructor(
    readonly info: ResourceInfo,
    readonly strategy: Strategy<T>,
    private readonly storage: Storage,
    opts: StoreOptions<T>,
  ) {
    this.apiVersion = groupVersion(info);
    this.className = classForKind(info.group, info.version, info.kind);
    this.validateMeta = opts.validateMeta;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
    this.cache = new WatchCache<T>({
      storage,
      prefix: resourcePrefix(info),
      decode: (kv) => this.decode(kv),
      historySize: opts.historySize,
      indexes: opts.indexes,
      onError: (err) => this.log(cacheErrorLine(info, err)),
    });
  }

  /** Turns a stored KV into the object clients see (resourceVersion = modRevision). */
  decode(kv: KV): T {
    // The JSON boundary: what this store wrote under its prefix is of its kind.
    const obj: T = JSON.parse(kv.value);
    obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }

  private encode(obj: T): string {
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    return JSON.stringify({ ...obj, metadata: meta });
  }

  private key(namespace: string, name: string): string {
    return objectKey(this.info, namespace, name);
  }

  private notFound(name: string): StatusError {
    return errors.notFound(this.info, name);
  }

  // ---- reads ----

  async get(namespace: string, name: string): Promise<T> {
    const kv = await this.storage.get(this.key(namespace, name));
    if (!kv) throw this.notFound(name);
    return this.decode(kv);
  }

  async list(namespace: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const selectors = compileSelectors(this.info, this.strategy, opts.labelSelector, opts.fieldSelector);
    const prefix = namespacePrefix(this.info, namespace);
    if (opts.limit || opts.continue) return this.listPage(prefix, selectors, opts);
    // Unpaginated lists come from the watch cache: resourceVersion "0" takes whatever it has,
    // a number waits until the cache has reached it, none waits until it has caught up with
    // storage (a consistent read) or, failing that, reads storage itself, as upstream does.
    if (!opts.resourceVersion) {
      if (!(await this.cacheIsCurrent('listing from storage'))) return this.listPage(prefix, selectors, {});
    } else if (opts.resourceVersion !== '0') {
      await this.waitForCache(Number(opts.resourceVersion));
    }
    const index = selectors.indexValue ? { name: selectors.indexValue.field, value: selectors.indexValue.value } : undefined;
    const { items, revision } = this.cache.list({ prefix, index });
    return this.toList(items.filter(selectors.matches), String(revision));
  }

  private async listPage(prefix: string, selectors: Selectors<T>, opts: ListOptions): Promise<KubeList<T>> {
    const page = await readPage(this.storage, prefix, selectors, opts.limit ?? 0, opts.continue, (kv) => this.decode(kv));
    const list = this.toList(page.items, String(page.revision));
    if (page.continue) list.metadata.continue = page.continue;
    if (page.remainingItemCount) list.metadata.remainingItemCount = page.remainingItemCount;
    return list;
  }

  private toList(items: T[], resourceVersion: string): KubeList<T> {
    return { apiVersion: this.apiVersion, kind: `${this.info.kind}List`, metadata: { resourceVersion }, items };
  }

  /**
   * Streams changes as upstream's watch: resourceVersion "" or "0" (or sendInitialEvents) start
   * with the current state as ADDED events; a number resumes after it (too old: 410 Expired).
   * Events are filtered by the selectors, turning an object that leaves the selection into
   * DELETED and one that enters it into ADDED. Returns after the initial events are sent.
   */
  async watch(
    namespace: string,
    opts: WatchOptions,
    send: (type: WatchEventType | 'BOOKMARK', object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const selectors = compileSelectors(this.info, this.strategy, opts.labelSelector, opts.fieldSelector);
    const prefix = namespacePrefix(this.info, namespace);
    const rv = opts.resourceVersion ?? '';
    let after: number;
    if (rv === '' || rv === '0' || opts.sendInitialEvents) {
      // With none, a cache that cannot catch up in time starts from what it has (upstream's legacy watch).
      if (rv === '') await this.cacheIsCurrent('watching from the cached state');
      else if (rv !== '0') await this.waitForCache(Number(rv));
      const { items, revision } = this.cache.list({ prefix });
      for (const obj of items) if (selectors.matches(obj)) send('ADDED', obj);
      after = revision;
      if (opts.sendInitialEvents) {
        send('BOOKMARK', this.bookmark(revision, { 'k8s.io/initial-events-end': 'true' }));
      }
    } else {
      after = Number(rv);
      if (!Number.isInteger(after) || after < 0) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
    }
    const onEvents = (events: CacheEvent<T>[]) => {
      for (const ev of events) {
        if (!ev.key.startsWith(prefix)) continue;
        const now = selectors.matches(ev.object);
        if (ev.type === 'MODIFIED' && ev.prevObject) {
          const before = selectors.matches(ev.prevObject);
          if (now && before) send('MODIFIED', ev.object);
          else if (now) send('ADDED', ev.object);
          else if (before) send('DELETED', ev.object);
        } else if (now) {
          send(ev.type, ev.object);
        }
      }
    };
    try {
      this.cache.watch(after, onEvents, signal);
    } catch (e) {
      if (e instanceof StorageError && e.code === 'Compacted') {
        throw errors.expired(`too old resource version: ${after} (${this.cache.revision()})`);
      }
      throw e;
    }
  }

  /** Waits until the watch cache has caught up with storage; false (logged, saying what is done instead) when it did not in time. */
  private async cacheIsCurrent(instead: string): Promise<boolean> {
    try {
      await this.cache.consistentRevision();
      return true;
    } catch (e) {
      if (!(e instanceof TooLargeResourceVersionError)) throw e;
      this.log(cacheErrorLine(this.info, new Error(`${e.message}; ${instead}`)));
      return false;
    }
  }

  /** Waits until the watch cache holds revision; upstream's 504 when it does not in time. */
  private async waitForCache(revision: number): Promise<void> {
    try {
      await this.cache.waitForRevision(revision);
    } catch (e) {
      if (e instanceof TooLargeResourceVersionError) throw tooLargeResourceVersion(e);
      throw e;
    }
  }

  bookmark(revision: number, annotations?: Record<string, string>): KubeObject {
    return {
      kind: this.info.kind,
      apiVersion: this.apiVersion,
      metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) },
    };
  }

  // ---- writes ----

  async create(namespace: string, input: T, opts: WriteOptions = {}): Promise<T> {
    const obj = this.checkTypeMeta(structuredClone(input));
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace || meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    for (const f of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'] as const) delete meta[f];
    this.strategy.prepareForCreate?.(obj);
    for (const h of this.hooks) await h.beforeCreate?.(obj);
    if (opts.manager?.operation === 'Update') recordUpdate(undefined, obj, opts.manager.name, this.fieldScope(''));
    this.throwIfInvalid(obj, [...this.validateMeta(obj), ...(this.strategy.validate?.(obj) ?? [])]);
    if (opts.dryRun) return obj;
    try {
      const rev = await this.storage.create(this.key(meta.namespace ?? '', meta.name!), this.encode(obj));
      meta.resourceVersion = String(rev);
      return obj;
    } catch (e) {
      if (e instanceof StorageError && e.code === 'KeyExists') throw errors.alreadyExists(this.info, meta.name!);
      throw e;
    }
  }

  /**
   * Read-modify-write with retries on conflict (upstream's GuaranteedUpdate): `mutate` gets a
   * private copy of the current object and returns the desired one.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    mutate: (current: T) => T | Promise<T>,
    subresource = '',
    opts: WriteOptions = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.storage.get(this.key(namespace, name));
      if (!kv) throw this.notFound(name);
      const old = this.decode(kv);
      const desired = this.checkTypeMeta(await mutate(structuredClone(old)));
      const wanted = desired.metadata?.resourceVersion;
      if (wanted && wanted !== old.metadata.resourceVersion) throw errors.conflict(this.info, name);
      try {
        return await this.write(desired, old, kv.modRevision, subresource, opts);
      } catch (e) {
        const retriable = e instanceof StatusError && e.reason === 'Conflict' && !wanted && attempt < 10;
        if (!retriable) throw e;
      }
    }
  }

  private async write(input: T, old: T, revision: number, subresource: string, opts: WriteOptions): Promise<T> {
    let obj = input;
    const meta = obj.metadata;
    // System fields are the server's.
    meta.name = old.metadata.name;
    if (this.info.namespaced) meta.namespace = old.metadata.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.deletionTimestamp = old.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) if (meta[k] === undefined) delete meta[k];
    meta.resourceVersion = old.metadata.resourceVersion;
    const requestedManagedFields = meta.managedFields;
    let errs: FieldError[];
    if (subresource === 'binding') {
      // Binding is the server's own write (pods/binding): the caller already decided it.
      errs = [];
    } else if (subresource === 'finalize') {
      // The finalize subresource changes a namespace's spec.finalizers and nothing else.
      obj = this.strategy.specFinalization?.finalize(obj, old) ?? structuredClone(old);
      errs = [];
    } else if (subresource === 'status') {
      this.strategy.prepareForStatusUpdate?.(obj, old);
      for (const h of this.hooks) await h.beforeUpdate?.(obj, old, subresource);
      errs = this.strategy.validateStatusUpdate?.(obj, old) ?? [];
    } else if (this.strategy.subresourceUpdates?.[subresource]) {
      const sub = this.strategy.subresourceUpdates[subresource];
      sub.prepareForUpdate(obj, old);
      for (const h of this.hooks) await h.beforeUpdate?.(obj, old, subresource);
      errs = [...this.validateMeta(obj), ...sub.validateUpdate(obj, old)];
    } else {
      this.strategy.prepareForUpdate?.(obj, old);
      if (meta.generation !== undefined && this.strategy.bumpsGeneration?.(obj, old)) meta.generation = (old.metadata.generation ?? 0) + 1;
      for (const h of this.hooks) await h.beforeUpdate?.(obj, old, subresource);
      errs = [...this.validateMeta(obj), ...(this.strategy.validateUpdate?.(obj, old) ?? [])];
    }
    this.recordFields(obj, old, subresource, requestedManagedFields, opts.manager);
    this.throwIfInvalid(obj, errs);
    if (opts.dryRun) return obj;
    const name = old.metadata.name!;
    const key = this.key(old.metadata.namespace ?? '', name);
    try {
      if (deleteAfterUpdate(obj, this.strategy)) {
        await this.storage.delete(key, revision);
        return obj;
      }
      // A write that changes nothing does not bump the resourceVersion, as upstream.
      if (isDeepStrictEqual(obj, old)) return obj;
      obj.metadata.resourceVersion = String(await this.storage.update(key, this.encode(obj), revision));
      return obj;
    } catch (e) {
      if (e instanceof StorageError && e.code === 'Conflict') throw errors.conflict(this.info, name);
      if (e instanceof StorageError && e.code === 'KeyNotFound') throw this.notFound(name);
      throw e;
    }
  }

  /**
   * managedFields after an update: the strategies' resets put back what the request carried
   * (an Apply's decided entries, a client's own), then an Update records its changes. The
   * server's own writes (binding, finalize) leave ownership as it was, as upstream.
   */
  private recordFields(obj: T, old: T, subresource: string, requested: unknown, manager: WriteOptions['manager']): void {
    if (!manager || subresource === 'binding' || subresource === 'finalize') {
      if (old.metadata.managedFields === undefined) delete obj.metadata.managedFields;
      else obj.metadata.managedFields = old.metadata.managedFields;
      return;
    }
    if (requested === undefined) delete obj.metadata.managedFields;
    else obj.metadata.managedFields = requested as unknown[];
    if (manager.operation === 'Update') recordUpdate(old, obj, manager.name, this.fieldScope(subresource));
  }

  /** What field ownership needs to know of a write to this resource or its subresource. */
  fieldScope(subresource: string): FieldScope {
    const hasStatus = this.info.subresources?.some((s) => s.name === 'status') ?? false;
    return { className: this.className, apiVersion: this.apiVersion, subresource, ignored: ignoredFields(subresource, hasStatus), now: rfc3339(this.now()) };
  }

  /**
   * DELETE: graceful for pods bound to a node, held by finalizers, immediate otherwise.
   * `deleted` tells whether the object left storage or only got marked.
   */
  async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<{ object: T; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const key = this.key(namespace, name);
      const kv = await this.storage.get(key);
      if (!kv) throw this.notFound(name);
      const obj = this.decode(kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw errors.conflict(this.info, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw errors.conflict(this.info, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${obj.metadata.resourceVersion}`);
      }
      for (const h of this.hooks) await h.beforeDelete?.(obj);
      const decision = decideDeletion(obj, opts.gracePeriodSeconds, this.strategy);
      if (decision.action === 'none' || opts.dryRun) return { object: obj, deleted: decision.action === 'delete' };
      try {
        if (decision.action === 'delete') {
          await this.storage.delete(key, kv.modRevision);
          return { object: obj, deleted: true };
        }
        const marked = structuredClone(obj);
        const now = this.now();
        marked.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + decision.gracePeriodSeconds * 1000));
        marked.metadata.deletionGracePeriodSeconds = decision.gracePeriodSeconds;
        this.strategy.specFinalization?.markDeleting(marked);
        marked.metadata.resourceVersion = String(await this.storage.update(key, this.encode(marked), kv.modRevision));
        return { object: marked, deleted: false };
      } catch (e) {
        const conflict = e instanceof StorageError && (e.code === 'Conflict' || e.code === 'KeyNotFound');
        if (!conflict || attempt >= 10) throw e;
      }
    }
  }

  async deleteCollection(namespace: string, listOpts: ListOptions, opts: DeleteOptions = {}): Promise<KubeList<T>> {
    const list = await this.list(namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const items: T[] = [];
    for (const obj of list.items) {
      try {
        items.push((await this.delete(obj.metadata.namespace ?? '', obj.metadata.name!, opts)).object);
      } catch (e) {
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
      }
    }
    return { ...list, items };
  }

  private checkTypeMeta(obj: T): T {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw errors.badRequest('the request body must be a JSON object');
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.apiVersion) {
      throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== this.info.kind) {
      throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${this.info.kind})`);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
    return obj;
  }

  private throwIfInvalid(obj: T, errs: FieldError[]): void {
    if (errs.length) throw errors.invalid(this.info.group, this.info.kind, obj.metadata.name ?? '', errs);
  }
}
