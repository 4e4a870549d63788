import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../../src/api/core/index.ts';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { watchApiSource, type PodListWatch, type PodWatchEvent } from '../../../../src/kubelet/config/api_source.ts';
import type { PodUpdate } from '../../../../src/kubelet/config/types.ts';

const pod = (uid: string, rv: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { uid, name: uid, namespace: 'default', resourceVersion: rv }, spec: { nodeName: 'n1', containers: [] } });

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A scripted API: each list answers the next entry; each watch plays the next script then ends or throws. */
class ScriptedApi implements PodListWatch {
  lists: Array<{ items: Pod[]; resourceVersion: string } | Error> = [];
  watches: Array<{ events: PodWatchEvent[]; end?: Error; hold?: boolean }> = [];
  calls: string[] = [];

  async list(o: { fieldSelector: string }) {
    this.calls.push(`list ${o.fieldSelector}`);
    const next = this.lists.shift();
    if (!next) throw new Error('no more lists scripted');
    if (next instanceof Error) throw next;
    return next;
  }

  async *watch(o: { fieldSelector: string; resourceVersion: string; signal: AbortSignal }): AsyncGenerator<PodWatchEvent> {
    this.calls.push(`watch rv=${o.resourceVersion}`);
    const next = this.watches.shift();
    if (!next) {
      await new Promise((r) => o.signal.addEventListener('abort', r, { once: true }));
      return;
    }
    for (const ev of next.events) yield ev;
    if (next.end) throw next.end;
  }
}

function gone(): Error {
  return Object.assign(new Error('too old resource version'), { code: 410 });
}

test('api source: list, watch, resume from the last version, relist on 410 (error or ERROR event), back off on failures', async (t) => {
  const api = new ScriptedApi();
  api.lists.push({ items: [pod('a', '5')], resourceVersion: '10' });
  api.watches.push({ events: [{ type: 'ADDED', object: pod('b', '11') }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } }] }); // ends: resume
  api.watches.push({ events: [{ type: 'DELETED', object: pod('a', '13') }], end: gone() }); // 410: relist
  api.lists.push(new Error('connection refused')); // list fails: back off
  api.lists.push({ items: [pod('b', '20'), pod('c', '20')], resourceVersion: '20' });
  api.watches.push({ events: [{ type: 'ERROR', object: { code: 410, message: 'expired' } }] }); // ERROR 410: relist
  api.lists.push({ items: [pod('c', '30')], resourceVersion: '30' });
  api.watches.push({ events: [{ type: 'MODIFIED', object: pod('c', '31') }], end: new Error('socket hang up') }); // failure: back off, resume

  const clock = new FakeClock();
  const updates: PodUpdate[] = [];
  const errors: string[] = [];
  const ac = new AbortController();
  const done = watchApiSource({ client: api, nodeName: 'n1', signal: ac.signal, clock, onUpdate: (u) => updates.push(u), onError: (s, m) => errors.push(`${s}: ${m}`) });
  t.after(async () => { ac.abort(); await done; });
  const uids = (u: PodUpdate) => u.pods.map((p) => p.metadata.uid).sort().join(',');

  await until(() => errors.length === 1 && clock.waiting === 1, 'the failed list to back off');
  assert.deepEqual(updates.map(uids), ['a', 'a,b', 'b']);
  assert.match(errors[0], /^api: listing pods for node n1: connection refused/);
  await clock.advance(800);
  await until(() => errors.length === 2 && clock.waiting === 1, 'the watch failure to back off');
  assert.match(errors[1], /^api: watching pods for node n1: socket hang up/);
  await clock.advance(800); // backoff was reset by the healthy watch
  await until(() => api.calls.length === 9, 'the resumed watch');
  assert.deepEqual(api.calls, [
    'list spec.nodeName=n1',
    'watch rv=10',
    'watch rv=12', // resumed after the stream ended, from the bookmark's version
    'list spec.nodeName=n1', // 410
    'list spec.nodeName=n1', // after the backoff
    'watch rv=20',
    'list spec.nodeName=n1', // ERROR 410
    'watch rv=30',
    'watch rv=31', // resumed after the failure
  ]);
  assert.deepEqual(updates.map(uids), ['a', 'a,b', 'b', 'b,c', 'c', 'c']);
  assert.equal(updates.at(-1)!.pods[0].metadata.resourceVersion, '31');
  assert.ok(updates.every((u) => u.source === 'api' && u.op === 'SET'));
});
