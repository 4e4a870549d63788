// The watch cache over the in-memory SQLite backend.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/core/index.ts';
import { StorageError } from '../../src/apiserver/storage/interface.ts';
import type { KV, Storage } from '../../src/apiserver/storage/interface.ts';
import { openSqliteStorage } from '../../src/apiserver/storage/sqlite.ts';
import { WatchCache } from '../../src/apiserver/storage/watchcache.ts';
import type { CacheEvent } from '../../src/apiserver/storage/watchcache.ts';

function decode(kv: KV): Pod {
  const obj: Pod = JSON.parse(kv.value);
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

function pod(ns: string, name: string, node?: string): string {
  return JSON.stringify({ kind: 'Pod', metadata: { namespace: ns, name }, spec: node ? { nodeName: node } : {} });
}

const byNode = { 'spec.nodeName': (p: Pod) => p.spec?.nodeName };

async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function summary(events: CacheEvent<Pod>[]) {
  return events.map((e) => [e.type, e.key, e.revision, e.object.metadata.resourceVersion, e.prevObject?.metadata.resourceVersion]);
}

async function setup(options: { historySize?: number; storage?: Storage } = {}) {
  const sqlite = openSqliteStorage(':memory:', { compactionIntervalMs: 0 });
  const storage = options.storage ?? sqlite;
  const stop = new AbortController();
  let decodes = 0;
  const cache = new WatchCache({
    storage,
    prefix: '/pods/',
    decode: (kv) => { decodes++; return decode(kv); },
    historySize: options.historySize,
    indexes: byNode,
  });
  const done = async () => { stop.abort(); await sqlite.close(); };
  return { sqlite, storage, cache, stop, done, decodes: () => decodes };
}

describe('WatchCache', () => {
  it('lists sorted by key, by namespace prefix and through an index, and gets by key', async () => {
    const t = await setup();
    try {
      await t.sqlite.create('/pods/b/p1', pod('b', 'p1', 'node-1'));
      await t.sqlite.create('/pods/a/p2', pod('a', 'p2', 'node-2'));
      await t.sqlite.create('/pods/a/p1', pod('a', 'p1', 'node-1'));
      await t.sqlite.create('/configmaps/a/c', '{"metadata":{"name":"c"}}');
      await t.cache.start(t.stop.signal);
      assert.equal(t.cache.revision(), 4);

      assert.deepEqual(t.cache.list().items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['a/p1', 'a/p2', 'b/p1']);
      assert.deepEqual(t.cache.list({ prefix: '/pods/a/' }).items.map((o) => o.metadata.name), ['p1', 'p2']);
      assert.deepEqual(t.cache.list({ index: { name: 'spec.nodeName', value: 'node-1' } }).items.map((o) => o.metadata.namespace), ['a', 'b']);
      assert.deepEqual(t.cache.list({ prefix: '/pods/b/', index: { name: 'spec.nodeName', value: 'node-1' } }).items.length, 1);
      assert.equal(t.cache.get('/pods/a/p2')?.metadata.resourceVersion, '2');
      assert.equal(t.cache.get('/pods/a/none'), undefined);

      // Moving a pod to another node moves it in the index; deleting drops it.
      const rev = await t.sqlite.update('/pods/a/p1', pod('a', 'p1', 'node-2'), 3);
      await t.sqlite.delete('/pods/a/p2');
      await t.cache.waitForRevision(rev + 1);
      assert.deepEqual(t.cache.list({ index: { name: 'spec.nodeName', value: 'node-2' } }).items.map((o) => o.metadata.name), ['p1']);
      assert.deepEqual(t.cache.list({ index: { name: 'spec.nodeName', value: 'node-1' } }).items.map((o) => o.metadata.namespace), ['b']);
      assert.deepEqual(t.cache.list({ prefix: '/pods/a/' }).items.map((o) => o.metadata.name), ['p1']);
      assert.equal(t.cache.list().revision, rev + 1);
    } finally {
      await t.done();
    }
  });

  it('replays kept events after a revision, then delivers live ones with previous objects', async () => {
    const t = await setup();
    try {
      await t.cache.start(t.stop.signal);
      const r1 = await t.sqlite.create('/pods/a/p', pod('a', 'p'));
      const r2 = await t.sqlite.update('/pods/a/p', pod('a', 'p', 'n1'), r1);
      await t.cache.waitForRevision(r2);

      const seen: CacheEvent<Pod>[] = [];
      t.cache.watch(r1, (events) => seen.push(...events), t.stop.signal);
      assert.equal(seen.length, 0, 'delivery is never synchronous');
      await eventually(() => seen.length === 1, 'replay');
      assert.deepEqual(summary(seen), [['MODIFIED', '/pods/a/p', r2, String(r2), String(r1)]]);

      const r3 = (await t.sqlite.delete('/pods/a/p')).revision;
      await t.sqlite.create('/configmaps/a/c', '{"metadata":{"name":"c"}}');
      const r5 = await t.sqlite.create('/pods/a/q', pod('a', 'q'));
      await eventually(() => seen.length === 3, 'live events');
      assert.deepEqual(summary(seen.slice(1)), [
        ['DELETED', '/pods/a/p', r3, String(r3), String(r2)],
        ['ADDED', '/pods/a/q', r5, String(r5), undefined],
      ]);
      assert.equal(seen[1].object.spec.nodeName, 'n1', 'a deleted object carries its last state');

      // A revision from another resource (the configmap) is a fine starting point.
      const fromOther: CacheEvent<Pod>[] = [];
      t.cache.watch(r3 + 1, (events) => fromOther.push(...events), t.stop.signal);
      await eventually(() => fromOther.length === 1, 'events after the configmap write');
      assert.equal(fromOther[0].revision, r5);

      // Ahead of the cache: nothing until it passes that revision.
      const ahead: CacheEvent<Pod>[] = [];
      t.cache.watch(r5 + 1, (events) => ahead.push(...events), t.stop.signal);
      await t.sqlite.create('/pods/a/r', pod('a', 'r')); // r5 + 1: not after r5 + 1
      const r7 = await t.sqlite.create('/pods/a/s', pod('a', 's'));
      await eventually(() => ahead.length === 1, 'first event after r5 + 1');
      assert.equal(ahead[0].revision, r7);
    } finally {
      await t.done();
    }
  });

  it('throws Compacted when the events after a revision are no longer kept', async () => {
    const t = await setup({ historySize: 2 });
    try {
      const r0 = await t.sqlite.create('/pods/a/before', pod('a', 'before'));
      await t.cache.start(t.stop.signal);
      const noop = () => {};
      assert.throws(() => t.cache.watch(r0 - 1, noop, t.stop.signal), (e) => e instanceof StorageError && e.code === 'Compacted');
      const r1 = await t.sqlite.create('/pods/a/p', pod('a', 'p'));
      const r2 = await t.sqlite.update('/pods/a/p', pod('a', 'p', 'x'), r1);
      const r3 = await t.sqlite.update('/pods/a/p', pod('a', 'p', 'y'), r2);
      await t.cache.waitForRevision(r3);
      assert.throws(() => t.cache.watch(r0, noop, t.stop.signal), (e) => e instanceof StorageError && e.code === 'Compacted');
      const seen: CacheEvent<Pod>[] = [];
      t.cache.watch(r1, (events) => seen.push(...events), t.stop.signal); // r2 and r3 are the two kept
      await eventually(() => seen.length === 2, 'kept events');
      assert.deepEqual(seen.map((e) => e.revision), [r2, r3]);
    } finally {
      await t.done();
    }
  });

  it('decodes each event once and shares frozen objects among many watchers', async () => {
    const t = await setup();
    try {
      await t.sqlite.create('/pods/a/p', pod('a', 'p'));
      await t.cache.start(t.stop.signal);
      assert.equal(t.decodes(), 1);
      const received: CacheEvent<Pod>[][] = Array.from({ length: 1000 }, () => []);
      for (const inbox of received) t.cache.watch(t.cache.revision(), (events) => inbox.push(...events), t.stop.signal);
      await t.sqlite.update('/pods/a/p', pod('a', 'p', 'n'), 1);
      await t.sqlite.create('/pods/a/q', pod('a', 'q'));
      await eventually(() => received.every((inbox) => inbox.length === 2), 'events at every watcher');
      assert.equal(t.decodes(), 3);
      const first = received[0][0].object;
      assert.ok(received.every((inbox) => inbox[0].object === first));
      assert.equal(t.cache.get('/pods/a/p'), first);
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.metadata) && Object.isFrozen(first.spec));
      assert.throws(() => { first.spec.nodeName = 'changed'; }, TypeError);
    } finally {
      await t.done();
    }
  });

  it('proves a quiet prefix up to date for consistent reads, and times out on revisions from the future', async () => {
    const t = await setup();
    try {
      await t.sqlite.create('/pods/a/p', pod('a', 'p'));
      await t.cache.start(t.stop.signal);
      const other = await t.sqlite.create('/configmaps/a/c', '{"metadata":{"name":"c"}}');
      assert.equal(await t.cache.consistentRevision(), other);
      const own = await t.sqlite.create('/pods/a/q', pod('a', 'q'));
      assert.equal(await t.cache.consistentRevision(), own);
      assert.equal(t.cache.get('/pods/a/q')?.metadata.name, 'q', 'the write is visible after a consistent read');
      await assert.rejects(t.cache.waitForRevision(own + 10, undefined, 100), (e) => e instanceof StorageError && e.code === 'Unavailable');
    } finally {
      await t.done();
    }
  });

  it('re-lists after a storage watch error and tells watchers what changed meanwhile', async () => {
    const inner = openSqliteStorage(':memory:', { compactionIntervalMs: 0 });
    let breakWatch: (() => void) | undefined;
    let gate: Promise<void> | undefined;
    // Fails the storage watch on demand; holds re-lists at a gate so writes can slip in between.
    const flaky: Storage = Object.assign(Object.create(inner) as Storage, {
      async list(prefix: string, options?: Parameters<Storage['list']>[1]) {
        if (gate) await gate;
        return inner.list(prefix, options);
      },
      watch(...[prefix, options, onEvents, onError]: Parameters<Storage['watch']>) {
        const stop = new AbortController();
        options.signal.addEventListener('abort', () => stop.abort(), { once: true });
        inner.watch(prefix, { afterRevision: options.afterRevision, signal: stop.signal }, onEvents, onError);
        breakWatch = () => { stop.abort(); onError(new StorageError('Unavailable', prefix, 'injected failure')); };
      },
    });
    const t = await setup({ storage: flaky });
    try {
      const ra = await inner.create('/pods/a/a', pod('a', 'a'));
      const rb = await inner.create('/pods/a/b', pod('a', 'b'));
      await t.cache.start(t.stop.signal);
      const seen: CacheEvent<Pod>[] = [];
      t.cache.watch(t.cache.revision(), (events) => seen.push(...events), t.stop.signal);

      let open!: () => void;
      gate = new Promise((r) => (open = r));
      breakWatch!();
      await inner.delete('/pods/a/a', ra);
      const rb2 = await inner.update('/pods/a/b', pod('a', 'b', 'n'), rb);
      const rc = await inner.create('/pods/a/c', pod('a', 'c'));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen.length, 0, 'the broken watch delivered nothing');
      gate = undefined;
      open();

      await eventually(() => seen.length === 3, 'the difference after re-listing');
      assert.deepEqual(summary(seen), [
        ['DELETED', '/pods/a/a', rc, String(rc), String(ra)],
        ['MODIFIED', '/pods/a/b', rc, String(rb2), String(rb)],
        ['ADDED', '/pods/a/c', rc, String(rc), undefined],
      ]);
      assert.equal(t.cache.revision(), rc);
      assert.deepEqual(t.cache.list().items.map((o) => o.metadata.name), ['b', 'c']);
      // Nobody can resume from before the re-list, and live events flow again.
      assert.throws(() => t.cache.watch(rb, () => {}, t.stop.signal), (e) => e instanceof StorageError && e.code === 'Compacted');
      const rd = await inner.create('/pods/a/d', pod('a', 'd'));
      await eventually(() => seen.length === 4, 'a live event after recovery');
      assert.deepEqual(summary(seen.slice(3)), [['ADDED', '/pods/a/d', rd, String(rd), undefined]]);
    } finally {
      await t.done();
      await inner.close();
    }
  });
});

// Revisions are global: a prefix nobody writes falls behind storage's compaction while other
// prefixes are written. Consistent reads must still find it complete, without overtaking a
// storage watch that is late with events of its own.
describe('WatchCache under compaction', () => {
  const configMap = '{"metadata":{"name":"c"}}';

  async function quietCache(storage: Storage & { compact(revision: number): Promise<void> }) {
    const errors: unknown[] = [];
    const stop = new AbortController();
    const cache = new WatchCache({ storage, prefix: '/pods/', decode, onError: (err) => errors.push(err) });
    // Started, and its storage watch live (SQLite registers it on the next macrotask).
    const start = async () => {
      await cache.start(stop.signal);
      await new Promise((r) => setImmediate(r));
    };
    return { cache, stop, errors, start };
  }

  /** SQLite compacting every compactionIntervalMs (0: only when asked), one pod, and a started cache over pods. */
  async function onePodCache(compactionIntervalMs: number) {
    const storage = openSqliteStorage(':memory:', { compactionIntervalMs });
    const t = await quietCache(storage);
    await storage.create('/pods/a/p', pod('a', 'p'));
    await t.start();
    return { ...t, storage, done: async () => { t.stop.abort(); await storage.close(); } };
  }

  it('proves a quiet prefix current after storage compacts past its revision', async () => {
    const t = await onePodCache(0);
    const { storage } = t;
    try {
      let last = 0;
      for (let i = 0; i < 5; i++) last = await storage.create(`/configmaps/a/c${i}`, configMap);
      await storage.compact(last);
      assert.equal(await t.cache.consistentRevision(), last);
      // A revision of another prefix is reachable too, and so is one after a second compaction.
      const later = await storage.create('/configmaps/a/d', configMap);
      await storage.create('/configmaps/a/e', configMap);
      await storage.compact(later);
      await t.cache.waitForRevision(later, undefined, 500);
      assert.deepEqual(t.cache.list().items.map((o) => o.metadata.name), ['p']);
      assert.deepEqual(t.errors, []);
    } finally {
      await t.done();
    }
  });

  it('stays readable however often storage compacts', async () => {
    const t = await onePodCache(5);
    const { storage } = t;
    try {
      for (let round = 0; round < 5; round++) {
        const before = await storage.compactedRevision();
        let rev = 0;
        while ((await storage.compactedRevision()) <= Math.max(before, t.cache.revision())) {
          rev = await storage.create(`/configmaps/a/r${round}-${rev}`, configMap);
          await new Promise((r) => setTimeout(r, 2));
        }
        assert.ok((await t.cache.consistentRevision()) >= rev, `round ${round}`);
      }
      assert.deepEqual(t.errors, []);
    } finally {
      await t.done();
    }
  });

  it('does not overtake a late storage watch across compaction', async () => {
    const inner = openSqliteStorage(':memory:', { compactionIntervalMs: 0 });
    let held: (() => void)[] | undefined;
    // Holds the storage watch's events while `held` is set, as a slow etcd stream would.
    const late = Object.assign(Object.create(inner) as Storage & { compact(revision: number): Promise<void> }, {
      watch(...[prefix, options, onEvents, onError]: Parameters<Storage['watch']>) {
        inner.watch(prefix, options, (events) => (held ? held.push(() => onEvents(events)) : onEvents(events)), onError);
      },
    });
    const t = await quietCache(late);
    try {
      const rp = await inner.create('/pods/a/p', pod('a', 'p'));
      const rq = await inner.create('/pods/a/q', pod('a', 'q'));
      await t.start();
      held = [];
      await inner.delete('/pods/a/p', rp);
      await inner.update('/pods/a/q', pod('a', 'q', 'n'), rq);
      const last = await inner.create('/configmaps/a/c', configMap);
      await inner.compact(last);
      await assert.rejects(t.cache.waitForRevision(last, undefined, 300), (e) => e instanceof StorageError && e.code === 'Unavailable');
      assert.deepEqual(t.cache.list().items.map((o) => o.metadata.name), ['p', 'q']);
      const release = held;
      held = undefined;
      for (const deliver of release) deliver();
      assert.equal(await t.cache.consistentRevision(), last);
      assert.deepEqual(t.cache.list().items.map((o) => [o.metadata.name, o.spec.nodeName]), [['q', 'n']]);
    } finally {
      t.stop.abort();
      await inner.close();
    }
  });
});
