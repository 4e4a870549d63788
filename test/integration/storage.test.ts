// One suite of storage-contract cases, run against SQLite and against a real etcd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError } from '../../src/apiserver/storage/interface.ts';
import type { Storage, StorageEvent } from '../../src/apiserver/storage/interface.ts';
import type { ChangeDetector } from '../../src/apiserver/storage/changes.ts';
import { openSqliteStorage } from '../../src/apiserver/storage/sqlite.ts';
import { openEtcdStorage } from '../../src/apiserver/storage/etcd.ts';
import { startEtcd } from '../support/etcd.ts';
import type { EtcdProcess } from '../support/etcd.ts';

type Store = Storage & ChangeDetector;

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<StorageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but it resolved`);
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function collect(storage: Store, prefix: string, afterRevision: number, signal: AbortSignal) {
  const batches: StorageEvent[][] = [];
  const errors: StorageError[] = [];
  storage.watch(prefix, { afterRevision, signal }, (events) => batches.push(events), (err) => errors.push(err));
  return { batches, errors, events: () => batches.flat() };
}

function storageSuite(name: string, open: () => Promise<Store>) {
  describe(`storage contract: ${name}`, () => {
    let storage: Store;
    before(async () => { storage = await open(); });
    after(async () => { await storage.close(); });

    it('creates, reads, updates with compare-and-swap and deletes', async () => {
      const r1 = await storage.create('/crud/ns/a', '{"v":1}');
      assert.deepEqual(await storage.get('/crud/ns/a'), { key: '/crud/ns/a', value: '{"v":1}', modRevision: r1, createRevision: r1 });
      await rejectsWith(storage.create('/crud/ns/a', 'again'), 'KeyExists');

      const r2 = await storage.update('/crud/ns/a', '{"v":2}', r1);
      assert.ok(r2 > r1);
      const conflict = await rejectsWith(storage.update('/crud/ns/a', '{"v":3}', r1), 'Conflict');
      assert.deepEqual(conflict.current, { key: '/crud/ns/a', value: '{"v":2}', modRevision: r2, createRevision: r1 });
      await rejectsWith(storage.update('/crud/ns/missing', 'x', r1), 'KeyNotFound');
      assert.equal((await storage.get('/crud/ns/a'))?.value, '{"v":2}');

      await rejectsWith(storage.delete('/crud/ns/a', r1), 'Conflict');
      const deleted = await storage.delete('/crud/ns/a', r2);
      assert.ok(deleted.revision > r2);
      assert.deepEqual(deleted.prev, { key: '/crud/ns/a', value: '{"v":2}', modRevision: r2, createRevision: r1 });
      assert.equal(await storage.get('/crud/ns/a'), undefined);
      await rejectsWith(storage.delete('/crud/ns/a'), 'KeyNotFound');

      await storage.create('/crud/ns/b', 'b');
      const unconditional = await storage.delete('/crud/ns/b');
      assert.equal(unconditional.prev.value, 'b');
      assert.equal(await storage.get('/crud/ns/b'), undefined);
    });

    it('lists in key order with limit, startKey, more and remaining', async () => {
      for (const k of ['c', 'a', 'd', 'b']) await storage.create(`/list/ns/${k}`, k);
      await storage.create('/listing/ns/x', 'not under /list/');
      const all = await storage.list('/list/');
      assert.deepEqual(all.kvs.map((kv) => kv.value), ['a', 'b', 'c', 'd']);
      assert.equal(all.more, false);
      assert.equal(all.revision, await storage.currentRevision());

      const page1 = await storage.list('/list/', { limit: 2 });
      assert.deepEqual(page1.kvs.map((kv) => kv.value), ['a', 'b']);
      assert.equal(page1.more, true);
      assert.equal(page1.remaining, 2);

      await storage.create('/list/ns/bb', 'bb'); // after the first page: invisible at its revision
      const page2 = await storage.list('/list/', { limit: 2, startKey: `${page1.kvs[1].key}\x00`, revision: page1.revision });
      assert.deepEqual(page2.kvs.map((kv) => kv.value), ['c', 'd']);
      assert.equal(page2.more, false);
      assert.equal(page2.revision, page1.revision);

      const ns = await storage.list('/list/ns/', { startKey: '/list/ns/bb' });
      assert.deepEqual(ns.kvs.map((kv) => kv.value), ['bb', 'c', 'd']);
    });

    it('lists at an older revision after later writes', async () => {
      const r1 = await storage.create('/old/ns/a', 'a1');
      await storage.create('/old/ns/b', 'b1');
      const at = await storage.currentRevision();
      await storage.update('/old/ns/a', 'a2', r1);
      await storage.delete('/old/ns/b');
      await storage.create('/old/ns/c', 'c1');

      const then = await storage.list('/old/', { revision: at });
      assert.equal(then.revision, at);
      assert.deepEqual(then.kvs.map((kv) => [kv.key, kv.value, kv.modRevision]), [['/old/ns/a', 'a1', r1], ['/old/ns/b', 'b1', at]]);
      const now = await storage.list('/old/');
      assert.deepEqual(now.kvs.map((kv) => kv.value), ['a2', 'c1']);
      const limited = await storage.list('/old/', { revision: at, limit: 1 });
      assert.deepEqual(limited.kvs.map((kv) => kv.value), ['a1']);
      assert.equal(limited.more, true);
      assert.equal(limited.remaining, 1);
    });

    it('watches from a revision: replays, then streams live puts and deletes with previous values', async () => {
      const stop = new AbortController();
      const r1 = await storage.create('/watch/ns/a', 'a1');
      const r2 = await storage.update('/watch/ns/a', 'a2', r1);
      await storage.create('/other/ns/z', 'not watched');
      const w = collect(storage, '/watch/', r1 - 1, stop.signal);
      await eventually(() => w.events().length === 2, 'replayed events');
      assert.deepEqual(w.events(), [
        { type: 'put', key: '/watch/ns/a', value: 'a1', revision: r1, createRevision: r1 },
        { type: 'put', key: '/watch/ns/a', value: 'a2', prevValue: 'a1', revision: r2, createRevision: r1 },
      ]);

      const r3 = await storage.create('/watch/ns/b', 'b1');
      const r4 = (await storage.delete('/watch/ns/a')).revision;
      await eventually(() => w.events().length === 4, 'live events');
      assert.deepEqual(w.events().slice(2), [
        { type: 'put', key: '/watch/ns/b', value: 'b1', revision: r3, createRevision: r3 },
        { type: 'delete', key: '/watch/ns/a', value: 'a2', revision: r4, createRevision: r1 },
      ]);
      assert.deepEqual(w.errors, []);

      // A second watcher starting in the middle sees only the later events.
      const late = collect(storage, '/watch/', r3, stop.signal);
      await eventually(() => late.events().length === 1, 'events after r3');
      assert.equal(late.events()[0].revision, r4);
      stop.abort();
    });

    it('ends a watch when its signal aborts', async () => {
      const stop = new AbortController();
      const w = collect(storage, '/abort/', await storage.currentRevision(), stop.signal);
      await storage.create('/abort/ns/a', 'a');
      await eventually(() => w.events().length === 1, 'first event');
      stop.abort();
      await storage.create('/abort/ns/b', 'b');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(w.events().length, 1);
      assert.deepEqual(w.errors, []);
    });

    it('keeps one revision counter across prefixes and tells which prefix changed', async () => {
      const x = await storage.create('/revs/x/1', 'x');
      const y = await storage.create('/revs/y/1', 'y');
      const x2 = await storage.update('/revs/x/1', 'x2', x);
      assert.ok(x < y && y < x2);
      assert.ok((await storage.currentRevision()) >= x2);
      assert.equal(await storage.changedBetween('/revs/x/', x, y), false);
      assert.equal(await storage.changedBetween('/revs/y/', x, y), true);
      assert.equal(await storage.changedBetween('/revs/x/', y, x2), true);
      const gone = await storage.delete('/revs/y/1');
      assert.equal(await storage.changedBetween('/revs/y/', x2, gone.revision), true);
      assert.equal(await storage.changedBetween('/revs/x/', x2, gone.revision), false);
    });

    it('tells each key\'s revision under a prefix, now and at an older revision', async () => {
      const a = await storage.create('/modrevs/ns/a', 'a');
      const b = await storage.create('/modrevs/ns/b', 'b');
      await storage.create('/modrevs-other/ns/c', 'c');
      const a2 = await storage.update('/modrevs/ns/a', 'a2', a);
      const gone = await storage.delete('/modrevs/ns/b', b);
      assert.deepEqual(await storage.modRevisionsAt('/modrevs/', gone.revision), new Map([['/modrevs/ns/a', a2]]));
      assert.deepEqual(await storage.modRevisionsAt('/modrevs/', b), new Map([['/modrevs/ns/a', a], ['/modrevs/ns/b', b]]));
    });

    it('round-trips a 3.5 MiB value', async () => {
      const big = JSON.stringify({ data: 'x'.repeat(3.5 * 1024 * 1024) });
      const rev = await storage.create('/big/ns/a', big);
      assert.equal((await storage.get('/big/ns/a'))?.value, big);
      const listed = await storage.list('/big/');
      assert.equal(listed.kvs[0].value.length, big.length);
      await storage.update('/big/ns/a', big.replace('x', 'y'), rev);
      assert.equal((await storage.get('/big/ns/a'))?.value.slice(0, 12), '{"data":"yxx');
    });

    // Last: compaction forgets history for every prefix.
    it('compaction makes older revisions unreadable for list and watch', async () => {
      const r1 = await storage.create('/compact/ns/a', 'a1');
      const r2 = await storage.update('/compact/ns/a', 'a2', r1);
      await storage.create('/compact/ns/b', 'b1');
      const r3 = await storage.update('/compact/ns/a', 'a3', r2);
      await storage.compact(r2);
      assert.equal(await storage.compactedRevision(), r2);
      await rejectsWith(storage.list('/compact/', { revision: r1 }), 'Compacted');
      await rejectsWith(storage.modRevisionsAt('/compact/', r1), 'Compacted');
      await rejectsWith(storage.changedBetween('/compact/', r1 - 1, r3), 'Compacted');
      assert.equal(await storage.changedBetween('/compact/', r2, r3), true);
      const atR2 = await storage.list('/compact/', { revision: r2 });
      assert.deepEqual(atR2.kvs.map((kv) => kv.value), ['a2']);

      const stop = new AbortController();
      const tooOld = collect(storage, '/compact/', r1 - 1, stop.signal);
      await eventually(() => tooOld.errors.length === 1, 'Compacted watch error');
      assert.equal(tooOld.errors[0].code, 'Compacted');
      assert.deepEqual(tooOld.events(), []);

      // Watching from just below the compacted revision still replays its events.
      const ok = collect(storage, '/compact/', r2 - 1, stop.signal);
      await eventually(() => ok.events().length === 3, 'events from r2');
      // (r2's own previous value may be gone with the compaction: etcd drops it, so no assertion on it.)
      assert.deepEqual(ok.events().map((e) => [e.revision, e.value]), [[r2, 'a2'], [r2 + 1, 'b1'], [r3, 'a3']]);
      assert.deepEqual(ok.events().slice(1).map((e) => e.prevValue), [undefined, 'a2']);
      assert.deepEqual(ok.errors, []);
      stop.abort();
    });
  });
}

storageSuite('sqlite', async () => openSqliteStorage(':memory:', { compactionIntervalMs: 0 }));

let etcd: EtcdProcess | undefined;
before(async () => { etcd = await startEtcd(); });
after(async () => { await etcd?.stop(); });
storageSuite('etcd', async () => openEtcdStorage({ endpoints: [etcd!.endpoint], prefix: '/berth-test', compactionIntervalMs: 0 }));

describe('background compaction', () => {
  it('compacts to the revision seen one interval earlier', async () => {
    const storage = openSqliteStorage(':memory:', { compactionIntervalMs: 40 });
    try {
      const r1 = await storage.create('/auto/ns/a', 'a1');
      await storage.update('/auto/ns/a', 'a2', r1);
      const deadline = Date.now() + 3000;
      while ((await storage.compactedRevision()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await storage.compactedRevision(), 2);
      await rejectsWith(storage.list('/auto/', { revision: r1 }), 'Compacted');
    } finally {
      await storage.close();
    }
  });
});
