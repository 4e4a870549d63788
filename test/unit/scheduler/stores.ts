// Real registry Stores over an in-memory SQLite storage, as the API server assembles them,
// for in-process controller tests.
import type { KubeObject } from '../../../src/api/object.ts';
import { resourcePrefix } from '../../../src/apiserver/registry/keys.ts';
import { resources } from '../../../src/apiserver/registry/resources.ts';
import { Store } from '../../../src/apiserver/registry/store.ts';
import { strategyFor, validateObjectMeta } from '../../../src/apiserver/registry/strategies/index.ts';
import { openSqliteStorage } from '../../../src/apiserver/storage/sqlite.ts';
import { WatchCache } from '../../../src/apiserver/storage/watchcache.ts';

export interface MemoryStores {
  store(group: string, resource: string): Store;
  close(): Promise<void>;
}

export async function memoryStores(wanted: Array<[group: string, resource: string]>, now?: () => Date): Promise<MemoryStores> {
  const storage = openSqliteStorage(':memory:', { compactionIntervalMs: 0 });
  const lifetime = new AbortController();
  const stores = new Map<string, Store>();
  for (const [group, resource] of wanted) {
    const info = resources.find((r) => r.group === group && r.resource === resource)!;
    const cache = new WatchCache({
      storage,
      prefix: resourcePrefix(info),
      decode: Store.decode,
      indexes: resource === 'pods' ? { 'spec.nodeName': (p: KubeObject) => p.spec?.nodeName } : undefined,
    });
    const validateMeta = (obj: KubeObject) => validateObjectMeta(obj, { namespaced: info.namespaced, resource: info.resource });
    stores.set(`${group}/${resource}`, new Store(info, strategyFor(group, resource), storage, cache, validateMeta, now));
  }
  await Promise.all([...stores.values()].map((s) => s.cache.start(lifetime.signal)));
  return {
    store: (group, resource) => stores.get(`${group}/${resource}`)!,
    close: async () => {
      lifetime.abort();
      await storage.close();
    },
  };
}

/** Polls until check() returns a value (not undefined/false), or fails after timeoutMs. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
