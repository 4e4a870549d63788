// The embedded backend: etcd v3 semantics (one global revision, MVCC history, compaction)
// on SQLite. `current` holds the latest version of each live key for fast reads; `history`
// holds every version (deletes as tombstones) for reads at older revisions and watch replay.
// Compaction to R keeps, per key, only the newest version below R (dropped if a tombstone),
// so every revision >= R stays readable. One process owns the file: watch notification is
// in-process, after commit.
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { StorageError } from './interface.ts';
import type { KV, ListOptions, ListResult, Storage, StorageEvent, WatchOptions } from './interface.ts';
import type { ChangeDetector } from './changes.ts';
import { LocalWatchHub } from './localwatch.ts';
import { prefixEnd } from './keyrange.ts';
import { startPeriodicCompaction } from './compactor.ts';

export interface SqliteStorageOptions {
  /**
   * Background compaction period, as kube-apiserver's compactor: every interval, compact to
   * the revision seen one interval earlier, so roughly the last interval of history stays.
   * 0 disables. Default 5 minutes.
   */
  compactionIntervalMs?: number;
  /** Told of every failed background compaction. */
  onCompactionError?: (err: unknown) => void;
}

const NO_UPPER_BOUND = '\u{10FFFF}';

interface Row {
  key: string;
  value: string;
  mod_rev: number;
  create_rev: number;
}

interface HistoryRow extends Row {
  deleted: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY, value TEXT NOT NULL, mod_rev INTEGER NOT NULL, create_rev INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history (
  key TEXT NOT NULL, mod_rev INTEGER NOT NULL, create_rev INTEGER NOT NULL,
  deleted INTEGER NOT NULL, value TEXT, PRIMARY KEY (key, mod_rev));
CREATE INDEX IF NOT EXISTS history_by_rev ON history (mod_rev);
`;

// A key's version visible at @rev is its newest history row at or below @rev.
const visibleAt = `h.mod_rev = (SELECT max(x.mod_rev) FROM history x WHERE x.key = h.key AND x.mod_rev <= @rev) AND h.deleted = 0`;

function prepare(db: SqliteDatabase) {
  return {
    revision: db.prepare(`SELECT value FROM meta WHERE name = 'revision'`).pluck(),
    compacted: db.prepare(`SELECT value FROM meta WHERE name = 'compacted'`).pluck(),
    setMeta: db.prepare(`UPDATE meta SET value = @value WHERE name = @name`),
    get: db.prepare(`SELECT key, value, mod_rev, create_rev FROM current WHERE key = ?`),
    listLatest: db.prepare(
      `SELECT key, value, mod_rev, create_rev FROM current WHERE key >= @start AND key < @end ORDER BY key LIMIT @limit`,
    ).raw(),
    countLatest: db.prepare(`SELECT count(*) FROM current WHERE key > @after AND key < @end`).pluck(),
    listAt: db.prepare(
      `SELECT h.key, h.value, h.mod_rev, h.create_rev FROM history h
       WHERE h.key >= @start AND h.key < @end AND ${visibleAt} ORDER BY h.key LIMIT @limit`,
    ).raw(),
    countAt: db.prepare(`SELECT count(*) FROM history h WHERE h.key > @after AND h.key < @end AND ${visibleAt}`).pluck(),
    insertCurrent: db.prepare(`INSERT INTO current (key, value, mod_rev, create_rev) VALUES (@key, @value, @mod_rev, @create_rev)`),
    updateCurrent: db.prepare(`UPDATE current SET value = @value, mod_rev = @mod_rev WHERE key = @key`),
    deleteCurrent: db.prepare(`DELETE FROM current WHERE key = ?`),
    insertHistory: db.prepare(
      `INSERT INTO history (key, mod_rev, create_rev, deleted, value) VALUES (@key, @mod_rev, @create_rev, @deleted, @value)`,
    ),
    eventsAfter: db.prepare(
      `SELECT key, value, mod_rev, create_rev, deleted FROM history
       WHERE mod_rev > @after AND key >= @start AND key < @end ORDER BY mod_rev`,
    ),
    previousVersion: db.prepare(
      `SELECT key, value, mod_rev, create_rev, deleted FROM history WHERE key = ? AND mod_rev < ? ORDER BY mod_rev DESC LIMIT 1`,
    ),
    modRevsLatest: db.prepare(`SELECT key, mod_rev FROM current WHERE key >= @start AND key < @end`).raw(),
    modRevsAt: db.prepare(`SELECT h.key, h.mod_rev FROM history h WHERE h.key >= @start AND h.key < @end AND ${visibleAt}`).raw(),
    anyChange: db.prepare(
      `SELECT 1 FROM history WHERE mod_rev > @after AND mod_rev <= @upTo AND key >= @start AND key < @end LIMIT 1`,
    ).pluck(),
    compact: db.prepare(
      `DELETE FROM history WHERE mod_rev < @rev AND (deleted = 1 OR mod_rev <
         (SELECT max(x.mod_rev) FROM history x WHERE x.key = history.key AND x.mod_rev < @rev))`,
    ),
  };
}

type Statements = ReturnType<typeof prepare>;

function toKV(row: Row): KV {
  return { key: row.key, value: row.value, modRevision: row.mod_rev, createRevision: row.create_rev };
}

function rawToKV(row: unknown[]): KV {
  return { key: row[0] as string, value: row[1] as string, modRevision: row[2] as number, createRevision: row[3] as number };
}

class SqliteStorage implements Storage, ChangeDetector {
  readonly name = 'sqlite';
  private readonly hub = new LocalWatchHub();
  private readonly stmts: Statements;
  private readonly lifetime = new AbortController();
  private closed = false;

  constructor(private readonly db: SqliteDatabase, options: SqliteStorageOptions) {
    this.stmts = prepare(db);
    startPeriodicCompaction(this, options.compactionIntervalMs ?? 5 * 60_000, this.lifetime.signal, options.onCompactionError);
  }

  async currentRevision(): Promise<number> {
    return this.revisionNow();
  }

  async get(key: string): Promise<KV | undefined> {
    const row = this.stmts.get.get(key) as Row | undefined;
    return row && toKV(row);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const current = this.revisionNow();
    const revision = options.revision ?? 0;
    const limit = options.limit ?? 0;
    const end = prefixEnd(prefix) ?? NO_UPPER_BOUND;
    const start = options.startKey && options.startKey > prefix ? options.startKey : prefix;
    const params = { start, end, limit: limit > 0 ? limit : -1 };
    let kvs: KV[];
    let countAfter: (after: string) => number;
    if (revision === 0 || revision === current) {
      kvs = (this.stmts.listLatest.all(params) as unknown[][]).map(rawToKV);
      countAfter = (after) => this.stmts.countLatest.get({ after, end }) as number;
    } else {
      this.checkReadable(revision, prefix);
      const at = { ...params, rev: revision };
      kvs = (this.stmts.listAt.all(at) as unknown[][]).map(rawToKV);
      countAfter = (after) => this.stmts.countAt.get({ after, end, rev: revision }) as number;
    }
    const remaining = limit > 0 && kvs.length === limit ? countAfter(kvs[kvs.length - 1].key) : 0;
    return { kvs, revision: revision || current, more: remaining > 0, remaining };
  }

  async create(key: string, value: string): Promise<number> {
    const event = this.write(() => {
      if (this.stmts.get.get(key)) throw new StorageError('KeyExists', key);
      const rev = this.bump();
      this.stmts.insertCurrent.run({ key, value, mod_rev: rev, create_rev: rev });
      this.stmts.insertHistory.run({ key, mod_rev: rev, create_rev: rev, deleted: 0, value });
      return { type: 'put', key, value, revision: rev, createRevision: rev } satisfies StorageEvent;
    });
    return event.revision;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    const event = this.write(() => {
      const cur = this.mustMatch(key, expectedRevision);
      const rev = this.bump();
      this.stmts.updateCurrent.run({ key, value, mod_rev: rev });
      this.stmts.insertHistory.run({ key, mod_rev: rev, create_rev: cur.create_rev, deleted: 0, value });
      return { type: 'put', key, value, prevValue: cur.value, revision: rev, createRevision: cur.create_rev } satisfies StorageEvent;
    });
    return event.revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KV }> {
    let prev: KV | undefined;
    const event = this.write(() => {
      const cur = this.mustMatch(key, expectedRevision);
      prev = toKV(cur);
      const rev = this.bump();
      this.stmts.deleteCurrent.run(key);
      this.stmts.insertHistory.run({ key, mod_rev: rev, create_rev: cur.create_rev, deleted: 1, value: null });
      return { type: 'delete', key, value: cur.value, revision: rev, createRevision: cur.create_rev } satisfies StorageEvent;
    });
    return { revision: event.revision, prev: prev! };
  }

  watch(
    prefix: string,
    options: WatchOptions,
    onEvents: (events: StorageEvent[]) => void,
    onError: (err: StorageError) => void,
  ): void {
    const { afterRevision, signal } = options;
    // Replay and registration happen in one synchronous step on a later tick, so no write
    // can fall between the history read and going live.
    setImmediate(() => {
      if (signal.aborted || this.closed) return;
      if (afterRevision + 1 < this.compactedNow()) {
        onError(new StorageError('Compacted', prefix, 'required revision has been compacted'));
        return;
      }
      this.hub.add(prefix, afterRevision, this.eventsAfter(prefix, afterRevision), onEvents, signal);
    });
  }

  async changedBetween(prefix: string, afterRevision: number, atRevision: number): Promise<boolean> {
    if (atRevision <= afterRevision) return false;
    if (afterRevision + 1 < this.compactedNow()) throw new StorageError('Compacted', prefix, 'required revision has been compacted');
    const end = prefixEnd(prefix) ?? NO_UPPER_BOUND;
    return this.stmts.anyChange.get({ after: afterRevision, upTo: atRevision, start: prefix, end }) !== undefined;
  }

  async modRevisionsAt(prefix: string, atRevision: number): Promise<Map<string, number>> {
    const range = { start: prefix, end: prefixEnd(prefix) ?? NO_UPPER_BOUND };
    let rows: unknown[][];
    if (atRevision === this.revisionNow()) {
      rows = this.stmts.modRevsLatest.all(range) as unknown[][];
    } else {
      this.checkReadable(atRevision, prefix);
      rows = this.stmts.modRevsAt.all({ ...range, rev: atRevision }) as unknown[][];
    }
    return new Map(rows.map((row) => [row[0] as string, row[1] as number]));
  }

  async compact(revision: number): Promise<void> {
    if (revision > this.revisionNow()) throw new StorageError('Unavailable', '', 'required revision is a future revision');
    if (revision > this.compactedNow()) this.compactNow(revision);
  }

  async compactedRevision(): Promise<number> {
    return this.compactedNow();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    this.hub.closeAll();
    this.db.close();
  }

  private revisionNow(): number {
    return this.stmts.revision.get() as number;
  }

  private compactedNow(): number {
    return this.stmts.compacted.get() as number;
  }

  private compactNow(revision: number): void {
    this.db.transaction(() => {
      this.stmts.compact.run({ rev: revision });
      this.stmts.setMeta.run({ name: 'compacted', value: revision });
    }).immediate();
  }

  private checkReadable(revision: number, key: string): void {
    if (revision < this.compactedNow()) throw new StorageError('Compacted', key, 'required revision has been compacted');
    if (revision > this.revisionNow()) throw new StorageError('Unavailable', key, 'required revision is a future revision');
  }

  /** Runs one write transaction, then notifies watchers of its event after commit. */
  private write(body: () => StorageEvent): StorageEvent {
    if (this.closed) throw new StorageError('Unavailable', '', 'storage is closed');
    const event = this.db.transaction(body).immediate();
    this.hub.publish(event);
    return event;
  }

  private bump(): number {
    const rev = this.revisionNow() + 1;
    this.stmts.setMeta.run({ name: 'revision', value: rev });
    return rev;
  }

  private mustMatch(key: string, expectedRevision: number | undefined): Row {
    const cur = this.stmts.get.get(key) as Row | undefined;
    if (!cur) throw new StorageError('KeyNotFound', key);
    if (expectedRevision !== undefined && cur.mod_rev !== expectedRevision) {
      throw new StorageError('Conflict', key, `Conflict: ${key} is at revision ${cur.mod_rev}, not ${expectedRevision}`, toKV(cur));
    }
    return cur;
  }

  private eventsAfter(prefix: string, afterRevision: number): StorageEvent[] {
    const end = prefixEnd(prefix) ?? NO_UPPER_BOUND;
    const rows = this.stmts.eventsAfter.all({ after: afterRevision, start: prefix, end }) as HistoryRow[];
    return rows.map((row) => {
      const prev = this.stmts.previousVersion.get(row.key, row.mod_rev) as HistoryRow | undefined;
      const prevValue = prev && !prev.deleted ? prev.value : undefined;
      if (row.deleted) {
        return { type: 'delete', key: row.key, value: prevValue ?? '', revision: row.mod_rev, createRevision: row.create_rev };
      }
      const event: StorageEvent = { type: 'put', key: row.key, value: row.value, revision: row.mod_rev, createRevision: row.create_rev };
      if (prevValue !== undefined) event.prevValue = prevValue;
      return event;
    });
  }
}

/** Opens (creating if needed) a SQLite store; ':memory:' gives a private in-memory one. */
export function openSqliteStorage(file: string, options: SqliteStorageOptions = {}): Storage & ChangeDetector {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(schema);
  return new SqliteStorage(db, options);
}
