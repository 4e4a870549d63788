// The PLEG and the kubelet share what they read of a pod: a status the kubelet read itself is
// offered to the cache, and a relist that sees the same states does not read the pod again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuntimePodStatus } from '../../../../src/kubelet/container/types.ts';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../../src/kubelet/log.ts';
import { PodCache } from '../../../../src/kubelet/pleg/cache.ts';
import { statusMatchesRelist } from '../../../../src/kubelet/pleg/events.ts';
import { GenericPLEG } from '../../../../src/kubelet/pleg/generic.ts';
import type { RelistPod } from '../../../../src/kubelet/pleg/types.ts';

type CState = RelistPod['containers'][number]['state'];
const relistPod = (containers: [string, CState][], sandbox: 'ready' | 'notready' = 'ready'): RelistPod => ({
  uid: 'u1', name: 'web', namespace: 'default', sandboxes: [{ id: 'sb1', state: sandbox }], containers: containers.map(([id, state]) => ({ id, name: 'app', state })),
});
const statusOf = (p: RelistPod): RuntimePodStatus => ({
  uid: p.uid, name: p.name, namespace: p.namespace, ips: ['10.88.0.5'],
  sandboxes: p.sandboxes.map((s) => ({ id: s.id, state: s.state, createdAt: new Date(0), attempt: 0, additionalIps: [], hostNetwork: false })),
  containers: p.containers.map((c) => ({ id: { type: 'containerd', id: c.id }, name: c.name, state: c.state, createdAt: new Date(0), image: 'busybox', imageRef: 'sha256:1', hash: '1', restartCount: 0 })),
  timestamp: new Date(0),
});
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('statusMatchesRelist', () => {
  it('is true only for the same sandboxes and containers in the same states', () => {
    const seen = relistPod([['c1', 'running']]);
    assert.equal(statusMatchesRelist(statusOf(seen), seen), true);
    assert.equal(statusMatchesRelist(statusOf(relistPod([['c1', 'created']])), seen), false, 'container state moved on');
    assert.equal(statusMatchesRelist(statusOf(relistPod([['c1', 'running']], 'notready')), seen), false, 'sandbox state moved on');
    assert.equal(statusMatchesRelist(statusOf(relistPod([])), seen), false, 'a container the status does not have');
    assert.equal(statusMatchesRelist(statusOf(relistPod([['c1', 'running'], ['c0', 'exited']])), seen), false, 'one more container');
    const unknown = relistPod([['c1', 'unknown']]);
    assert.equal(statusMatchesRelist(statusOf(unknown), unknown), false, 'unknown states are always read again');
  });
});

describe('PodCache.offer', () => {
  it('keeps a status newer than the entry and than the last relist; never an empty one', () => {
    const cache = new PodCache();
    const st = statusOf(relistPod([['c1', 'running']]));
    assert.equal(cache.offer('u1', st, at(5)), true);
    assert.equal(cache.get('u1').modified.getTime(), at(5).getTime());
    assert.equal(cache.offer('u1', st, at(4)), false, 'older than the entry');
    cache.updateTime(at(10));
    assert.equal(cache.offer('u1', st, at(9)), false, 'read before the last relist began');
    assert.equal(cache.offer('u1', st, at(11)), true);
    assert.equal(cache.offer('u2', { ...statusOf(relistPod([])), sandboxes: [], containers: [] }, at(12)), false, 'nothing in it: the pod may be gone');
    assert.equal(cache.peek('u2'), undefined);
  });
});

describe('GenericPLEG with statuses the kubelet read', () => {
  it('does not read a pod again when the cache already shows what the relist saw, and vouches for it', async () => {
    const clock = new FakeClock(at(0));
    let world = new Map<string, RelistPod>();
    const inspected: string[] = [];
    const pleg = new GenericPLEG({
      clock,
      log: silentLogger,
      relist: async () => new Map([...world].map(([k, v]) => [k, structuredClone(v)])),
      getPodStatus: async (uid) => {
        inspected.push(uid);
        return statusOf(world.get(uid)!);
      },
    });
    await pleg.relist();
    // The kubelet starts the pod and reads it itself: sandbox ready, container running.
    const started = relistPod([['c1', 'running']]);
    world = new Map([['u1', started]]);
    await clock.advance(100);
    assert.equal(pleg.cache.offer('u1', statusOf(started), clock.now()), true);
    await clock.advance(400);
    await pleg.relist();
    assert.deepEqual(inspected, [], 'the offered status already showed it');
    assert.deepEqual(pleg.events.drain().map((e) => e.type), ['ContainerStarted', 'ContainerStarted']);
    assert.equal(pleg.cache.get('u1').modified.getTime(), at(0).getTime() + 500, 'fresh as of this relist');
    // The container exits on its own: the cache does not show that, so the PLEG reads the pod.
    world = new Map([['u1', relistPod([['c1', 'exited']])]]);
    await clock.advance(1000);
    await pleg.relist();
    assert.deepEqual(inspected, ['u1']);
    assert.equal(pleg.cache.get('u1').status.containers[0]!.state, 'exited');
  });
});
