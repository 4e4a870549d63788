// The API server's registry over an in-memory SQLite storage, as the API server assembles it,
// and the clients in-process controllers get, for controller tests.
import type { Clientset } from '../../../src/apiserver/client.ts';
import { clientset } from '../../../src/apiserver/registry/clientset.ts';
import { createRegistry, startRegistry, type Registry } from '../../../src/apiserver/registry/registry.ts';
import { openSqliteStorage } from '../../../src/apiserver/storage/sqlite.ts';

export interface MemoryApi {
  /** The stores, for hooks a test installs as the API server would. */
  registry: Registry;
  clients: Clientset;
  close(): Promise<void>;
}

export async function memoryApi(now?: () => Date): Promise<MemoryApi> {
  const storage = openSqliteStorage(':memory:', { compactionIntervalMs: 0 });
  const lifetime = new AbortController();
  const registry = createRegistry(storage, { now });
  await startRegistry(registry, lifetime.signal);
  return {
    registry,
    clients: clientset(registry, now),
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
