// The registry store over a watch cache that cannot catch up: every error is logged naming the
// resource, a consistent list reads storage instead (upstream's fallback), and a list at a
// revision the cache does not reach gets upstream's 504 "Too large resource version".
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../src/api/errors.ts';
import { createRegistry, startRegistry } from '../../src/apiserver/registry/registry.ts';
import { StorageError } from '../../src/apiserver/storage/interface.ts';
import type { ChangeDetector } from '../../src/apiserver/storage/changes.ts';
import { openSqliteStorage } from '../../src/apiserver/storage/sqlite.ts';

describe('Store over a watch cache that cannot catch up', () => {
  it('logs naming the resource, lists from storage, and answers 504 for a revision it does not reach', async () => {
    const inner = openSqliteStorage(':memory:', { compactionIntervalMs: 0 });
    const broken: ChangeDetector['changedBetween'] = async (prefix) => {
      throw new StorageError('Unavailable', prefix, 'injected failure');
    };
    const storage = Object.assign(Object.create(inner) as typeof inner, { changedBetween: broken });
    const logs: string[] = [];
    const registry = createRegistry(storage, { log: (m) => logs.push(m) });
    const stop = new AbortController();
    setMaxListeners(0, stop.signal); // one listener per store's cache
    try {
      await inner.create('/secrets/default/s', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } }));
      await startRegistry(registry, stop.signal);
      const other = await inner.create('/configmaps/default/c', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));

      const [list, tooLarge] = await Promise.all([
        registry.secrets.list(''),
        registry.secrets.list('', { resourceVersion: String(other + 100) }).then(() => undefined, (e: unknown) => e),
      ]);
      assert.deepEqual(list.items.map((s) => s.metadata.name), ['s']);
      assert.equal(list.metadata.resourceVersion, String(other));
      assert.ok(tooLarge instanceof StatusError);
      assert.deepEqual(tooLarge.toStatus(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Timeout: Too large resource version: ${other + 100}, current: 1`,
        reason: 'Timeout',
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
        code: 504,
      });
      assert.ok(logs.some((l) => l === 'watch cache secrets: cannot prove /secrets/ unchanged since revision 1: injected failure'), logs.join('\n'));
      assert.ok(logs.some((l) => l === `watch cache secrets: Too large resource version: ${other}, current: 1; listing from storage`), logs.join('\n'));
    } finally {
      stop.abort();
      await inner.close();
    }
  });
});
