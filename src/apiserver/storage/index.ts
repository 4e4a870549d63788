// Opens the configured backend (kube-apiserver's --storage-backend analogue).
import type { Storage } from './interface.ts';
import { openSqliteStorage } from './sqlite.ts';
import { openEtcdStorage } from './etcd.ts';

export interface OpenStorageOptions {
  kind: 'sqlite' | 'etcd';
  /** SQLite database file (kind 'sqlite'); ':memory:' for a private in-memory store. */
  file?: string;
  /** etcd client URLs (kind 'etcd'). */
  etcdServers?: string[];
  /** Key prefix inside etcd; default '/registry'. */
  etcdPrefix?: string;
  /** Background compaction period; default 5 minutes, 0 disables. */
  compactionIntervalMs?: number;
  /** Told of every failed background compaction. */
  onCompactionError?: (err: unknown) => void;
}

export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const { compactionIntervalMs, onCompactionError } = options;
  if (options.kind === 'etcd') {
    if (!options.etcdServers?.length) throw new Error('etcd storage needs at least one server URL');
    return openEtcdStorage({ endpoints: options.etcdServers, prefix: options.etcdPrefix || undefined, compactionIntervalMs, onCompactionError });
  }
  if (!options.file) throw new Error('sqlite storage needs a database file');
  return openSqliteStorage(options.file, { compactionIntervalMs, onCompactionError });
}
