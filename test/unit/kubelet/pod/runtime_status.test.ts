// Where a pod sync starts from: the PLEG's cache once newer than the pod's last sync, as
// upstream's pod worker (GetNewerThan); fresh reads go into the cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuntimePodStatus } from '../../../../src/kubelet/container/types.ts';
import { FakeClock, settle } from '../../../../src/kubelet/clock.ts';
import { PodCache } from '../../../../src/kubelet/pleg/cache.ts';
import { RuntimeStatusSource } from '../../../../src/kubelet/pod/runtime_status.ts';

const key = { uid: 'u1', name: 'web', namespace: 'default' };
const status = (containers: string[]): RuntimePodStatus => ({
  uid: 'u1', name: '', namespace: '', ips: ['10.88.0.5'],
  sandboxes: [{ id: 'sb1', state: 'ready', createdAt: new Date(0), attempt: 0, additionalIps: [], hostNetwork: false }],
  containers: containers.map((id) => ({ id: { type: 'containerd', id }, name: 'app', state: 'running', createdAt: new Date(0), image: 'busybox', imageRef: 'sha256:1', hash: '1', restartCount: 0 })),
  timestamp: new Date(0),
});

function setup(withCache = true) {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const cache = new PodCache();
  const fetched: string[] = [];
  let runtime = status(['c1']);
  const source = new RuntimeStatusSource({
    cache: withCache ? cache : undefined,
    clock,
    fetch: async (uid) => {
      fetched.push(uid);
      return structuredClone(runtime);
    },
  });
  return { clock, cache, fetched, source, setRuntime: (s: RuntimePodStatus) => (runtime = s) };
}

describe('RuntimeStatusSource', () => {
  it('starts a first sync from the cache as soon as one relist is done, without asking the runtime', async () => {
    const { cache, clock, fetched, source } = setup();
    const box: { got?: RuntimePodStatus } = {};
    void source.forSync(key).then((s) => (box.got = s));
    await settle();
    assert.equal(box.got === undefined, true, 'no relist yet: waits');
    cache.updateTime(clock.now());
    await settle();
    assert.deepEqual(box.got?.containers, [], 'a pod the runtime does not have yet');
    assert.equal(box.got?.name, 'web', 'named after the pod');
    assert.deepEqual(fetched, []);
  });

  it('waits for data newer than the last sync; never hands out the shared entry itself', async () => {
    const { cache, clock, source } = setup();
    cache.set('u1', status(['c1']), undefined, clock.now());
    cache.updateTime(clock.now());
    await clock.advance(10);
    source.synced('u1');
    const box: { got?: RuntimePodStatus } = {};
    void source.forSync(key).then((s) => (box.got = s));
    await settle();
    assert.equal(box.got === undefined, true, 'the cache is not newer than the last sync');
    await clock.advance(500);
    cache.set('u1', status(['c1', 'c2']), undefined, clock.now());
    await settle();
    assert.deepEqual(box.got?.containers.map((c) => c.id.id), ['c1', 'c2']);
    assert.notEqual(box.got, cache.get('u1').status);
    source.forget('u1');
    assert.deepEqual((await source.forSync(key)).containers.map((c) => c.id.id), ['c1', 'c2'], 'forgotten: no wait');
  });

  it('reads the runtime when the PLEG could not, or when there is no cache; gives up when aborted', async () => {
    const { cache, clock, fetched, source } = setup();
    cache.set('u1', undefined, new Error('inspect failed'), clock.now());
    cache.updateTime(clock.now());
    assert.deepEqual((await source.forSync(key)).containers.map((c) => c.id.id), ['c1']);
    assert.deepEqual(fetched, ['u1']);

    const plain = setup(false);
    await plain.source.forSync(key);
    assert.deepEqual(plain.fetched, ['u1']);

    const waiting = setup();
    const ac = new AbortController();
    const p = waiting.source.forSync(key, ac.signal);
    ac.abort(new Error('stopping'));
    await assert.rejects(p, /stopping/);
  });

  it('offers what it reads to the cache, so that the PLEG need not read it again', async () => {
    const { cache, clock, source } = setup();
    await clock.advance(1);
    const s = await source.fresh(key);
    assert.deepEqual(s.containers.map((c) => c.id.id), ['c1']);
    assert.equal(cache.peek('u1')?.status, s);
  });
});
