// The etcd v3 backend: keys live under a prefix (default '/registry', as kube-apiserver),
// writes are single transactions guarded by create/mod revision compares, reads are
// linearizable ranges, and each watch is its own gRPC stream with prev_kv, as upstream.
import { Etcd3 } from 'etcd3';
import type { ICallable, ICompare, IEvent, IHashKVResponse, IRequestOp, IKeyValue, IRangeRequest, IRangeResponse, IWatchResponse } from 'etcd3';
import { StorageError } from './interface.ts';
import type { KV, ListOptions, ListResult, Storage, StorageEvent, WatchOptions } from './interface.ts';
import type { ChangeDetector } from './changes.ts';
import { prefixEnd } from './keyrange.ts';
import { startPeriodicCompaction } from './compactor.ts';

export interface EtcdStorageOptions {
  endpoints: string[];
  /** Prefix of every key in etcd (kube-apiserver's --etcd-prefix). Default '/registry'. */
  prefix?: string;
  /** Deadline of each unary request. Default 30 s. */
  requestTimeoutMs?: number;
  /** As SqliteStorageOptions.compactionIntervalMs (kube-apiserver's --etcd-compaction-interval). Default 5 min; 0 disables. */
  compactionIntervalMs?: number;
  /** Told of every failed background compaction. */
  onCompactionError?: (err: unknown) => void;
}

/** etcd's messages for its MVCC errors (gRPC OUT_OF_RANGE). */
function toStorageError(err: unknown, key: string): unknown {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('required revision has been compacted')) return new StorageError('Compacted', key, 'required revision has been compacted');
  if (message.includes('future revision')) return new StorageError('Unavailable', key, 'required revision is a future revision');
  return new StorageError('Unavailable', key, `etcd: ${message}`);
}

const num = (value: string | number | undefined): number => Number(value ?? 0);

class EtcdStorage implements Storage, ChangeDetector {
  readonly name = 'etcd';
  private readonly lifetime = new AbortController();

  constructor(private readonly client: Etcd3, private readonly root: string) {}

  async currentRevision(): Promise<number> {
    const res = await this.range('', { key: this.bytes(''), count_only: true });
    return num(res.header.revision);
  }

  async get(key: string): Promise<KV | undefined> {
    const res = await this.range(key, { key: this.bytes(key) });
    return res.kvs[0] && this.toKV(res.kvs[0]);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const start = options.startKey && options.startKey > prefix ? options.startKey : prefix;
    const res = await this.range(prefix, {
      key: this.bytes(start),
      range_end: this.rangeEnd(prefix),
      limit: options.limit ?? 0,
      revision: options.revision ?? 0,
    });
    const kvs = res.kvs.map((kv) => this.toKV(kv));
    const remaining = Math.max(0, num(res.count) - kvs.length);
    return { kvs, revision: options.revision || num(res.header.revision), more: res.more, remaining };
  }

  async create(key: string, value: string): Promise<number> {
    const res = await this.txn(key, [{ key: this.bytes(key), target: 'Create', result: 'Equal', create_revision: 0 }], {
      request_put: { key: this.bytes(key), value: Buffer.from(value) },
    });
    if (!res.succeeded) throw new StorageError('KeyExists', key);
    return num(res.header.revision);
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    const res = await this.txn(key, this.matches(key, expectedRevision), {
      request_put: { key: this.bytes(key), value: Buffer.from(value) },
    });
    if (!res.succeeded) this.explainFailure(key, res.responses[0]?.response_range, expectedRevision);
    return num(res.header.revision);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KV }> {
    const res = await this.txn(key, this.matches(key, expectedRevision), {
      request_delete_range: { key: this.bytes(key), prev_kv: true },
    });
    if (!res.succeeded) this.explainFailure(key, res.responses[0]?.response_range, expectedRevision);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) throw new StorageError('KeyNotFound', key);
    return { revision: num(res.header.revision), prev: this.toKV(prev) };
  }

  watch(
    prefix: string,
    options: WatchOptions,
    onEvents: (events: StorageEvent[]) => void,
    onError: (err: StorageError) => void,
  ): void {
    const { signal } = options;
    if (signal.aborted) return;
    type Stream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;
    let stream: Stream | undefined;
    let done = false;
    // Ending our side first keeps etcd3's pool from treating the cancel as a host failure.
    const close = () => {
      if (!stream) return;
      stream.end();
      stream.cancel();
    };
    const fail = (err: StorageError) => {
      if (done || signal.aborted) return;
      done = true;
      close();
      onError(err);
    };
    signal.addEventListener('abort', () => { done = true; close(); }, { once: true });
    this.client.watchClient.watch().then(
      (s) => {
        stream = s;
        if (done) return close();
        s.on('data', (res: IWatchResponse) => {
          if (done) return;
          if (res.canceled) {
            fail(num(res.compact_revision) > 0
              ? new StorageError('Compacted', prefix, 'required revision has been compacted')
              : new StorageError('Unavailable', prefix, `watch canceled: ${res.cancel_reason}`));
            return;
          }
          if (res.events.length > 0) onEvents(res.events.map((e) => this.toEvent(e)));
        });
        s.on('error', (err: Error) => fail(toStorageError(err, prefix) as StorageError));
        s.on('end', () => fail(new StorageError('Unavailable', prefix, 'etcd watch stream ended')));
        s.write({
          create_request: { key: this.bytes(prefix), range_end: this.rangeEnd(prefix), start_revision: options.afterRevision + 1, prev_kv: true },
        });
      },
      (err) => fail(toStorageError(err, prefix) as StorageError),
    );
  }

  /**
   * Exact for puts. For deletes: with no key written since afterRevision, a deletion shows
   * as fewer keys now than then. Blind spot: a key both created and deleted in the window.
   * (etcd's range count ignores the mod/create revision filters, hence keys_only + limit 1.)
   */
  async changedBetween(prefix: string, afterRevision: number, atRevision: number): Promise<boolean> {
    if (atRevision <= afterRevision) return false;
    const scope = { key: this.bytes(prefix), range_end: this.rangeEnd(prefix) };
    const count = async (revision: number) =>
      revision === 0 ? 0 : num((await this.range(prefix, { ...scope, revision, count_only: true })).count);
    const [written, before, now] = await Promise.all([
      this.range(prefix, { ...scope, revision: atRevision, min_mod_revision: afterRevision + 1, keys_only: true, limit: 1 }),
      count(afterRevision),
      count(atRevision),
    ]);
    return written.kvs.length > 0 || before !== now;
  }

  async modRevisionsAt(prefix: string, atRevision: number): Promise<Map<string, number>> {
    const res = await this.range(prefix, { key: this.bytes(prefix), range_end: this.rangeEnd(prefix), revision: atRevision, keys_only: true });
    return new Map(res.kvs.map((kv) => [kv.key.toString().slice(this.root.length), num(kv.mod_revision)]));
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: false });
    } catch (err) {
      const mapped = toStorageError(err, '');
      if (mapped instanceof StorageError && mapped.code === 'Compacted') return; // already compacted that far
      throw mapped;
    }
  }

  async compactedRevision(): Promise<number> {
    // HashKV is the one 3.4 API that reports the compacted revision. etcd3 1.1.2's
    // MaintenanceClient.hashKV calls a method name grpc-js does not generate ('hashKV'
    // instead of 'hashKv'), so call it through the client's connection pool.
    const pool = (this.client as unknown as { pool: ICallable<unknown> }).pool;
    try {
      const res = await pool.exec<IHashKVResponse>('Maintenance', 'hashKv', { revision: 0 });
      return Math.max(0, num(res.compact_revision));
    } catch (err) {
      throw toStorageError(err, '');
    }
  }

  async close(): Promise<void> {
    this.lifetime.abort();
    this.client.close();
  }

  startCompaction(intervalMs: number, onError?: (err: unknown) => void): void {
    startPeriodicCompaction(this, intervalMs, this.lifetime.signal, onError);
  }

  private bytes(key: string): Buffer {
    return Buffer.from(this.root + key);
  }

  private rangeEnd(prefix: string): Buffer {
    return Buffer.from(prefixEnd(this.root + prefix) ?? '\0');
  }

  private toKV(kv: IKeyValue): KV {
    return {
      key: kv.key.toString().slice(this.root.length),
      value: kv.value.toString(),
      modRevision: num(kv.mod_revision),
      createRevision: num(kv.create_revision),
    };
  }

  private toEvent(e: IEvent): StorageEvent {
    const key = e.kv.key.toString().slice(this.root.length);
    const revision = num(e.kv.mod_revision);
    if (e.type === 'Delete') {
      // A prev_kv lost to compaction leaves the value empty, as etcd does.
      const prev = e.prev_kv;
      return { type: 'delete', key, value: prev ? prev.value.toString() : '', revision, createRevision: prev ? num(prev.create_revision) : 0 };
    }
    const event: StorageEvent = { type: 'put', key, value: e.kv.value.toString(), revision, createRevision: num(e.kv.create_revision) };
    if (e.prev_kv && num(e.kv.version) > 1) event.prevValue = e.prev_kv.value.toString();
    return event;
  }

  /** The key exists and, when asked, is at expectedRevision; on failure read the key back. */
  private matches(key: string, expectedRevision: number | undefined): ICompare[] {
    const compares: ICompare[] = [{ key: this.bytes(key), target: 'Create', result: 'Greater', create_revision: 0 }];
    if (expectedRevision !== undefined) compares.push({ key: this.bytes(key), target: 'Mod', result: 'Equal', mod_revision: expectedRevision });
    return compares;
  }

  private explainFailure(key: string, current: IRangeResponse | undefined, expectedRevision: number | undefined): never {
    const kv = current?.kvs[0];
    if (!kv) throw new StorageError('KeyNotFound', key);
    const found = this.toKV(kv);
    throw new StorageError('Conflict', key, `Conflict: ${key} is at revision ${found.modRevision}, not ${expectedRevision}`, found);
  }

  private async txn(key: string, compare: ICompare[], success: IRequestOp) {
    try {
      return await this.client.kv.txn({ compare, success: [success], failure: [{ request_range: { key: this.bytes(key) } }] });
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  private async range(key: string, request: IRangeRequest): Promise<IRangeResponse> {
    try {
      return await this.client.kv.range(request);
    } catch (err) {
      throw toStorageError(err, key);
    }
  }
}

/** Connects to etcd and checks that it answers. */
export async function openEtcdStorage(options: EtcdStorageOptions): Promise<Storage & ChangeDetector> {
  const timeout = options.requestTimeoutMs ?? 30_000;
  const client = new Etcd3({
    hosts: options.endpoints,
    dialTimeout: Math.min(timeout, 10_000),
    // Lists of many objects and single values up to etcd's request limit exceed gRPC's 4 MiB default.
    grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  });
  const storage = new EtcdStorage(client, options.prefix ?? '/registry');
  try {
    await storage.currentRevision();
  } catch (err) {
    client.close();
    throw err;
  }
  storage.startCompaction(options.compactionIntervalMs ?? 5 * 60_000, options.onCompactionError);
  return storage;
}
