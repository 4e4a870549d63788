import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { RuntimePodStatus } from '../../../../src/kubelet/container/types.ts';
import { FakeClock, settle } from '../../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../../src/kubelet/log.ts';
import { GenericPLEG, type GenericPLEGOptions } from '../../../../src/kubelet/pleg/generic.ts';
import { groupRelist } from '../../../../src/kubelet/pleg/cri_relist.ts';
import { computePodEvents } from '../../../../src/kubelet/pleg/events.ts';
import { PodCache } from '../../../../src/kubelet/pleg/cache.ts';
import type { RelistPod } from '../../../../src/kubelet/pleg/types.ts';
import type { Container, PodSandbox } from '../../../../src/kubelet/runtime/cri/types.ts';

type CState = RelistPod['containers'][number]['state'];
function relistPod(containers: [string, CState][], sandbox: 'ready' | 'notready' = 'ready', uid = 'u1'): RelistPod {
  return { uid, name: 'web', namespace: 'default', sandboxes: [{ id: `sb-${uid}`, state: sandbox }], containers: containers.map(([id, state]) => ({ id, name: `n-${id}`, state })) };
}

function statusOf(p: RelistPod, ips: string[]): RuntimePodStatus {
  return {
    uid: p.uid,
    name: p.name,
    namespace: p.namespace,
    ips,
    sandboxes: p.sandboxes.map((s) => ({ id: s.id, state: s.state, createdAt: new Date(0), attempt: 0, additionalIps: [], hostNetwork: false })),
    containers: p.containers.map((c) => ({ id: { type: 'containerd', id: c.id }, name: c.name, state: c.state, createdAt: new Date(0), image: 'busybox', imageRef: 'sha256:1', hash: '1', restartCount: 0 })),
    timestamp: new Date(0),
  };
}

function setup(over: Partial<GenericPLEGOptions> = {}) {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const world = { pods: new Map<string, RelistPod>(), failRelist: false, failStatus: new Set<string>(), ips: ['10.88.0.5'], relists: 0, inspected: [] as string[] };
  const pleg = new GenericPLEG({
    clock,
    log: silentLogger,
    relist: async () => {
      world.relists++;
      if (world.failRelist) throw new Error('runtime down');
      return new Map([...world.pods].map(([k, v]) => [k, structuredClone(v)]));
    },
    getPodStatus: async (uid) => {
      world.inspected.push(uid);
      if (world.failStatus.has(uid)) throw new Error('inspect failed');
      return statusOf(world.pods.get(uid)!, world.ips);
    },
    ...over,
  });
  return { clock, world, pleg };
}
const types = (pleg: GenericPLEG) => pleg.events.drain().map((e) => `${e.type}:${e.data ?? ''}`);

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('computePodEvents', () => {
  it('maps state changes to events as upstream', () => {
    const ev = (a: CState | undefined, b: CState | undefined) =>
      computePodEvents('u', a ? relistPod([['c', a]]) : undefined, b ? relistPod([['c', b]]) : undefined)
        .filter((e) => e.data === 'c')
        .map((e) => e.type);
    assert.deepEqual(ev(undefined, 'running'), ['ContainerStarted']);
    assert.deepEqual(ev('running', 'exited'), ['ContainerDied']);
    assert.deepEqual(ev('exited', undefined), ['ContainerRemoved']);
    assert.deepEqual(ev('running', undefined), ['ContainerDied', 'ContainerRemoved']);
    assert.deepEqual(ev(undefined, 'created'), ['ContainerChanged']);
    assert.deepEqual(ev('created', 'running'), ['ContainerStarted']);
    assert.deepEqual(ev('running', 'running'), []);
  });
});

describe('GenericPLEG', () => {
  it('emits start, die and remove events across relists and keeps the cache fresh', async () => {
    const { world, pleg, clock } = setup();
    world.pods.set('u1', relistPod([['c1', 'running']]));
    await pleg.relist();
    assert.deepEqual(types(pleg), ['ContainerStarted:sb-u1', 'ContainerStarted:c1']);
    const cached = pleg.cache.get('u1');
    assert.deepEqual(cached.status.ips, ['10.88.0.5']);
    assert.equal(cached.modified.getTime(), clock.now().getTime());

    await clock.advance(1000);
    world.pods.set('u1', relistPod([['c1', 'exited']]));
    await pleg.relist();
    assert.deepEqual(types(pleg), ['ContainerDied:c1']);

    world.pods.set('u1', relistPod([]));
    await pleg.relist();
    assert.deepEqual(types(pleg), ['ContainerRemoved:c1']);

    await pleg.relist();
    assert.deepEqual(types(pleg), [], 'no change, no event');
    assert.equal(world.inspected.length, 3, 'only changed pods are inspected');

    world.pods.delete('u1');
    await pleg.relist();
    assert.deepEqual(types(pleg), ['ContainerDied:sb-u1', 'ContainerRemoved:sb-u1']);
    assert.equal(pleg.cache.get('u1').modified.getTime(), 0, 'gone from the cache');
  });

  it('does not send ContainerChanged (created containers), as upstream', async () => {
    const { world, pleg } = setup();
    world.pods.set('u1', relistPod([['c1', 'created']]));
    await pleg.relist();
    assert.deepEqual(types(pleg), ['ContainerStarted:sb-u1']);
  });

  it('retries the inspection of a pod that failed, and sends its events then', async () => {
    const { world, pleg } = setup();
    world.pods.set('u1', relistPod([['c1', 'running']]));
    world.failStatus.add('u1');
    await pleg.relist();
    assert.deepEqual(types(pleg), []);
    assert.ok(pleg.cache.get('u1').error instanceof Error);
    world.failStatus.clear();
    await pleg.relist();
    assert.deepEqual(types(pleg), ['ContainerStarted:sb-u1', 'ContainerStarted:c1']);
    assert.equal(pleg.cache.get('u1').error, undefined);
  });

  it('getNewerThan waits for data newer than the given time', async () => {
    const { world, pleg, clock } = setup();
    world.pods.set('u1', relistPod([['c1', 'running']]));
    await pleg.relist();
    const seen = clock.now();
    let got: unknown;
    void pleg.cache.getNewerThan('u1', seen).then((d) => (got = d));
    await settle();
    assert.equal(got, undefined, 'nothing newer yet');
    await clock.advance(1000);
    await pleg.relist();
    await settle();
    assert.ok(got, 'a later relist vouches for the pod even without a change');
    const ac = new AbortController();
    const pending = pleg.cache.getNewerThan('u1', clock.now(), ac.signal);
    ac.abort();
    assert.equal(await pending, undefined);
    const unknown = await pleg.cache.getNewerThan('nope', new Date(0));
    assert.deepEqual(unknown?.status.containers, [], 'an unknown pod gets the empty status once the cache is newer');
  });

  it('keeps the pod IPs when the runtime reports none and no sandbox is ready', async () => {
    const { world, pleg } = setup();
    world.pods.set('u1', relistPod([['c1', 'running']]));
    await pleg.relist();
    world.ips = [];
    world.pods.set('u1', relistPod([['c1', 'exited']], 'notready'));
    await pleg.relist();
    assert.deepEqual(pleg.cache.get('u1').status.ips, ['10.88.0.5']);
  });

  it('is unhealthy before the first relist and when the last successful one started over 3 minutes ago', async () => {
    const { world, pleg, clock } = setup();
    assert.equal(pleg.healthy(), false);
    assert.equal(pleg.healthCheck().check(), 'pleg has yet to be successful');
    await pleg.relist();
    assert.equal(pleg.healthy(), true);
    assert.equal(pleg.healthCheck().check(), undefined);
    world.failRelist = true;
    await clock.advance(180_000);
    await pleg.relist();
    assert.equal(pleg.healthy(), true, 'exactly at the threshold');
    await clock.advance(1);
    assert.equal(pleg.healthy(), false);
    assert.equal(pleg.unhealthyReason(), 'pleg was last seen active 3m0.001s ago; threshold is 3m0s');
    world.failRelist = false;
    await pleg.relist();
    assert.equal(pleg.healthy(), true);
  });

  it('relists every second until aborted, recording durations', async () => {
    const durations: number[] = [];
    const { world, pleg, clock } = setup({ onRelist: (ms) => durations.push(ms) });
    const ac = new AbortController();
    const done = pleg.run(ac.signal);
    stops.push(async () => {
      ac.abort();
      await done;
    });
    await settle();
    assert.equal(world.relists, 1);
    await clock.advance(3000);
    assert.equal(world.relists, 4);
    assert.equal(durations.length, 4);
    assert.equal(pleg.stats().relists, 4);
    assert.ok((pleg.stats().lastRelistDurationMs ?? -1) >= 0);
    ac.abort();
    await done;
    await clock.advance(5000);
    assert.equal(world.relists, 4, 'stopped');
  });

  it('drops events when the channel is full and counts them', async () => {
    const { world, pleg } = setup({ channelCapacity: 2 });
    world.pods.set('u1', relistPod([['c1', 'running'], ['c2', 'running']]));
    await pleg.relist();
    assert.equal(pleg.events.length, 2);
    assert.equal(pleg.stats().discardedEvents, 1);
    const e = await pleg.events.receive();
    assert.equal(e?.type, 'ContainerStarted');
  });
});

describe('groupRelist (CRI)', () => {
  it('groups sandboxes and containers by pod UID label, newest first, skipping unlabeled ones', () => {
    const labels = (uid: string, extra: Record<string, string> = {}) => ({ 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', ...extra });
    const sb = (id: string, createdAt: number, state: PodSandbox['state']): PodSandbox => ({
      id, createdAt, state, metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 0 }, labels: labels('u1'), annotations: {}, runtimeHandler: '',
    });
    const c = (id: string, createdAt: number, state: Container['state'], lab: Record<string, string>): Container => ({
      id, podSandboxId: 'sb2', createdAt, state, metadata: { name: 'ignored', attempt: 0 }, image: null, imageRef: '', labels: lab, annotations: {}, imageId: '',
    });
    const pods = groupRelist(
      [sb('sb1', 1, 'SANDBOX_NOTREADY'), sb('sb2', 2, 'SANDBOX_READY')],
      [c('c1', 1, 'CONTAINER_EXITED', labels('u1', { 'io.kubernetes.container.name': 'app' })), c('c2', 2, 'CONTAINER_RUNNING', labels('u1', { 'io.kubernetes.container.name': 'app' })), c('x', 3, 'CONTAINER_RUNNING', {})],
    );
    assert.deepEqual([...pods.keys()], ['u1']);
    assert.deepEqual(pods.get('u1'), {
      uid: 'u1',
      name: 'web',
      namespace: 'default',
      sandboxes: [{ id: 'sb2', state: 'ready' }, { id: 'sb1', state: 'notready' }],
      containers: [{ id: 'c2', name: 'app', state: 'running' }, { id: 'c1', name: 'app', state: 'exited' }],
    });
  });
});

describe('PodCache', () => {
  it('set/get/delete with modification times', () => {
    const cache = new PodCache();
    cache.set('u', undefined, new Error('x'), new Date(5));
    assert.equal(cache.get('u').modified.getTime(), 5);
    assert.equal(cache.get('u').status.uid, 'u');
    cache.delete('u');
    assert.equal(cache.get('u').error, undefined);
  });
});
