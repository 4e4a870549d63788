// The sync loop: what each input becomes (pure), the loop handing each input kind to the right
// part on a fake clock, and the `syncloop` health check failing while a pod worker or a
// housekeeping pass is stuck past the threshold, and passing again once it moves on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/core/index.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import type { PodChange } from '../../../src/kubelet/config/index.ts';
import { healthzAnswer } from '../../../src/kubelet/healthz.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';
import { BoundedChannel, type PodLifecycleEvent } from '../../../src/kubelet/pleg/index.ts';
import { PodManager } from '../../../src/kubelet/pod/manager.ts';
import { PodWorkers, PodWorkerStates, type PodUpdate, type PodWork } from '../../../src/kubelet/pod/workers.ts';
import type { ProbeUpdate } from '../../../src/kubelet/prober/index.ts';
import { configDispatch, plegDispatch, probeDispatch, SyncLoop, syncLoopThresholdMs, WorkQueue } from '../../../src/kubelet/syncloop/index.ts';
import type { SyncLoopDeps } from '../../../src/kubelet/syncloop/loop.ts';

const pod = (name: string, extra: Partial<Pod['metadata']> = {}, spec: Record<string, unknown> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra }, spec: { containers: [], ...spec },
});
const mirror = (name: string) => pod(name, { uid: `mirror-${name}`, annotations: { 'kubernetes.io/config.mirror': 'hash' } });

describe('sync loop dispatch (pure)', () => {
  it('turns the sources’ changes into pod manager and pod worker steps', () => {
    const changes: PodChange[] = [
      { op: 'ADD', source: 'api', pods: [pod('a')] },
      { op: 'UPDATE', source: 'api', pods: [pod('b')] },
      { op: 'DELETE', source: 'api', pods: [pod('c', { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 20 })] },
      { op: 'REMOVE', source: 'file', pods: [pod('d', {}, { terminationGracePeriodSeconds: 5 })] },
      { op: 'RECONCILE', source: 'api', pods: [pod('e')] },
    ];
    const steps = configDispatch(changes, () => undefined).map((s) =>
      s.kind === 'updatePod' || s.kind === 'admitPod' ? `${s.kind === 'admitPod' ? 'admit' : 'update'} ${s.update.pod.metadata.name} ${JSON.stringify({ ...s.update, pod: undefined })}` : s.kind === 'setPod' || s.kind === 'removePod' ? `${s.kind} ${s.pod.metadata.name}` : s.kind);
    assert.deepEqual(steps, [
      'setPod a', 'admit a {"terminate":false}',
      'setPod b', 'update b {"terminate":false}',
      'setPod c', 'update c {"terminate":true,"gracePeriodSeconds":20}',
      'removePod d', 'update d {"removed":true,"gracePeriodSeconds":5}',
      'setPod e',
    ]);
  });

  it('admits added pods oldest first, as upstream’s HandlePodAdditions; a pod added while being deleted is not admitted', () => {
    const at = (name: string, t: string, extra: object = {}) => pod(name, { creationTimestamp: t, ...extra });
    const changes: PodChange[] = [{ op: 'ADD', source: 'api', pods: [at('new', '2026-01-01T00:00:03Z'), at('old', '2026-01-01T00:00:01Z'), at('mid', '2026-01-01T00:00:02Z'), at('gone', '2026-01-01T00:00:00Z', { deletionTimestamp: '2026-01-01T00:00:05Z' })] }];
    const steps = configDispatch(changes, () => undefined).filter((s) => s.kind !== 'setPod').map((s) => `${s.kind} ${s.kind === 'admitPod' || s.kind === 'updatePod' ? s.update.pod.metadata.name : ''}`);
    assert.deepEqual(steps, ['updatePod gone', 'admitPod old', 'admitPod mid', 'admitPod new']);
  });

  it('re-syncs a pod whose status alone changed only when its Ready disagrees with its readiness gates', () => {
    const gated = (gate: 'True' | 'False') => ({
      ...pod('g', {}, { containers: [{ name: 'c', image: 'i' }], readinessGates: [{ conditionType: 'example.com/lb' }] }),
      status: {
        phase: 'Running' as const,
        containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} }, lastState: {} }],
        conditions: [
          { type: 'example.com/lb', status: gate },
          { type: 'Ready', status: 'False' as const, reason: 'ReadinessGatesNotReady', message: 'the status of pod readiness gate "example.com/lb" is not "True", but False' },
        ],
      },
    });
    assert.deepEqual(configDispatch([{ op: 'RECONCILE', source: 'api', pods: [gated('False')] }], () => undefined).map((s) => s.kind), ['setPod']);
    // Upstream's HandlePodReconcile: the gate turned True, the Ready condition did not yet.
    assert.deepEqual(configDispatch([{ op: 'RECONCILE', source: 'api', pods: [gated('True')] }], () => undefined), [
      { kind: 'setPod', pod: gated('True') }, { kind: 'syncPod', uid: 'uid-g' },
    ]);
  });

  it('keeps mirror pods in the pod manager and re-syncs their static pod', () => {
    const owner = (ns: string, name: string) => (ns === 'default' && name === 'etcd' ? 'uid-static-etcd' : undefined);
    assert.deepEqual(configDispatch([{ op: 'ADD', source: 'api', pods: [mirror('etcd'), mirror('orphan')] }], owner), [
      { kind: 'setPod', pod: mirror('etcd') }, { kind: 'syncPod', uid: 'uid-static-etcd' }, { kind: 'setPod', pod: mirror('orphan') },
    ]);
    assert.deepEqual(configDispatch([{ op: 'REMOVE', source: 'api', pods: [mirror('etcd')] }], owner), [
      { kind: 'removePod', pod: mirror('etcd') }, { kind: 'syncPod', uid: 'uid-static-etcd' },
    ]);
  });

  it('syncs a pod on PLEG events (a removal alone is not worth it) and on probe verdicts', () => {
    assert.deepEqual(plegDispatch({ id: 'u', type: 'ContainerDied', data: 'c1' }), [{ kind: 'syncPod', uid: 'u' }]);
    assert.deepEqual(plegDispatch({ id: 'u', type: 'PodSync' }), [{ kind: 'syncPod', uid: 'u' }]);
    assert.deepEqual(plegDispatch({ id: 'u', type: 'ContainerRemoved', data: 'c1' }), []);
    const probe = (probeType: ProbeUpdate['probeType'], result: ProbeUpdate['result']): ProbeUpdate => ({ probeType, result, podUid: 'u', containerId: 'c1' });
    assert.deepEqual(probeDispatch(probe('Readiness', 'success')), [{ kind: 'setReadiness', podUid: 'u', containerId: 'c1', ready: true }]);
    assert.deepEqual(probeDispatch(probe('Readiness', 'failure')), [{ kind: 'setReadiness', podUid: 'u', containerId: 'c1', ready: false }, { kind: 'syncPod', uid: 'u' }]);
    assert.deepEqual(probeDispatch(probe('Liveness', 'failure')), [{ kind: 'syncPod', uid: 'u' }]);
    assert.deepEqual(probeDispatch(probe('Liveness', 'success')), []);
    assert.deepEqual(probeDispatch(probe('Startup', 'success')), [{ kind: 'syncPod', uid: 'u' }]);
  });
});

function loopSetup(workers: { update(u: PodUpdate): void; resync(uid: string, pod?: Pod): void; busy(): PodWork[] }, clock = new FakeClock(), admission?: SyncLoopDeps['admission']) {
  const config = new BoundedChannel<PodChange[]>(10);
  const pleg = new BoundedChannel<PodLifecycleEvent>(10);
  const probes = new BoundedChannel<ProbeUpdate>(10);
  const pods = new PodManager();
  const readiness: string[] = [];
  const resyncQueue = new WorkQueue(clock);
  const housekeeping = { passes: 0, hold: undefined as Promise<void> | undefined };
  const loop = new SyncLoop({
    inputs: { config, pleg, probes },
    pods,
    workers,
    status: { setContainerReadiness: (uid, id, ready) => readiness.push(`${uid}/${id}=${ready}`) },
    resyncQueue,
    admission,
    housekeeping: async () => {
      housekeeping.passes++;
      await housekeeping.hold;
    },
    clock,
    log: silentLogger,
    syncFrequencyMs: 60_000,
  });
  const stop = new AbortController();
  const done = loop.run(stop.signal);
  return { clock, config, pleg, probes, pods, readiness, resyncQueue, housekeeping, loop, stop, done };
}

describe('sync loop', () => {
  it('hands a new pod to its worker only once admitted; a refused pod’s changes start nothing, its deletion and removal do', async () => {
    const calls: string[] = [];
    const workers = {
      update: (u: PodUpdate) => calls.push(`update ${u.pod.metadata.name}${u.terminate ? ' terminate' : ''}${u.removed ? ' removed' : ''}`),
      resync: () => {},
      busy: () => [],
    };
    const rejected = new Set<string>();
    const admission = {
      admit: (p: Pod) => (p.metadata.name === 'no' ? (rejected.add(p.metadata.uid!), false) : true),
      isRejected: (uid: string) => rejected.has(uid),
      forget: (uid: string) => void rejected.delete(uid),
    };
    const t = loopSetup(workers, new FakeClock(), admission);
    t.config.trySend([{ op: 'ADD', source: 'api', pods: [pod('no'), pod('yes')] }]);
    await settle();
    t.config.trySend([{ op: 'UPDATE', source: 'api', pods: [pod('no'), pod('yes')] }]);
    await settle();
    assert.deepEqual(calls, ['update yes', 'update yes']);
    assert.equal(t.pods.get('uid-no')?.metadata.name, 'no', 'the pod manager knows the refused pod');
    t.config.trySend([{ op: 'DELETE', source: 'api', pods: [pod('no', { deletionTimestamp: '2026-01-01T00:00:00Z' })] }]);
    t.config.trySend([{ op: 'REMOVE', source: 'api', pods: [pod('no')] }]);
    await settle();
    assert.deepEqual(calls.slice(2), ['update no terminate', 'update no removed']);
    assert.equal(rejected.size, 0, 'a removed pod is forgotten');
    t.stop.abort();
    await t.done;
  });

  it('hands each input kind to the right part, and stops with its signal', async () => {
    const calls: string[] = [];
    const workers = {
      update: (u: PodUpdate) => calls.push(`update ${u.pod.metadata.name}${u.terminate ? ' terminate' : ''}${u.removed ? ' removed' : ''}`),
      resync: (uid: string) => calls.push(`resync ${uid}`),
      busy: () => [],
    };
    const t = loopSetup(workers);
    t.config.trySend([{ op: 'ADD', source: 'api', pods: [pod('a')] }]);
    await settle();
    assert.deepEqual(calls, ['update a']);
    assert.equal(t.pods.get('uid-a')?.metadata.name, 'a', 'the pod manager has the pod before its worker runs');

    t.pleg.trySend({ id: 'uid-a', type: 'ContainerStarted', data: 'c1' });
    t.probes.trySend({ probeType: 'Readiness', result: 'success', podUid: 'uid-a', containerId: 'c1' });
    t.probes.trySend({ probeType: 'Liveness', result: 'failure', podUid: 'uid-a', containerId: 'c1' });
    await settle();
    assert.deepEqual(calls.slice(1), ['resync uid-a', 'resync uid-a']);
    assert.deepEqual(t.readiness, ['uid-a/c1=true']);

    // The one-second tick takes the pods whose resync is due from the queue the workers feed.
    t.resyncQueue.enqueue('uid-a', 1_500);
    calls.length = 0;
    await t.clock.advance(1_000);
    assert.deepEqual(calls, [], 'not due yet');
    await t.clock.advance(1_000);
    assert.deepEqual(calls, ['resync uid-a']);
    assert.equal(t.housekeeping.passes, 1, 'housekeeping every two seconds');

    t.config.trySend([{ op: 'REMOVE', source: 'api', pods: [pod('a')] }]);
    await settle();
    assert.deepEqual(calls.slice(1), ['update a removed']);
    assert.equal(t.pods.get('uid-a'), undefined);

    t.stop.abort();
    await t.done;
    t.config.trySend([{ op: 'ADD', source: 'api', pods: [pod('b')] }]);
    await settle();
    assert.equal(calls.at(-1), 'update a removed', 'nothing is handled after the loop stopped');
  });

  it('re-syncs with the pod as the pod manager has it, the API status others changed included', async () => {
    const synced: (Pod | undefined)[] = [];
    const t = loopSetup({ update: () => {}, resync: (_uid, p) => synced.push(p), busy: () => [] });
    const gates = { containers: [{ name: 'c', image: 'i' }], readinessGates: [{ conditionType: 'example.com/lb' }] };
    const before: Pod = { ...pod('g', {}, gates), status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    t.config.trySend([{ op: 'ADD', source: 'api', pods: [before] }]);
    await settle();
    const after: Pod = { ...before, status: { conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'Ready', status: 'False' }] } };
    t.config.trySend([{ op: 'RECONCILE', source: 'api', pods: [after] }]);
    await settle();
    assert.deepEqual(synced, [after], 'the reconciled pod is synced, with its new status');
    t.pleg.trySend({ id: 'uid-g', type: 'ContainerStarted', data: 'c1' });
    await settle();
    assert.equal(synced.at(-1), after, 'later syncs too');
    t.stop.abort();
    await t.done;
  });

  it('runs housekeeping beside the loop, one pass at a time', async () => {
    const calls: string[] = [];
    const t = loopSetup({ update: (u) => calls.push(u.pod.metadata.name!), resync: () => {}, busy: () => [] });
    let release!: () => void;
    t.housekeeping.hold = new Promise((r) => (release = r));
    await t.clock.advance(2_000);
    assert.equal(t.housekeeping.passes, 1);
    t.config.trySend([{ op: 'ADD', source: 'api', pods: [pod('a')] }]);
    await settle();
    assert.deepEqual(calls, ['a'], 'pod changes are dispatched while housekeeping runs');
    await t.clock.advance(4_000);
    assert.equal(t.housekeeping.passes, 1, 'no second pass while the first still runs');
    release();
    t.housekeeping.hold = undefined;
    await t.clock.advance(2_000);
    assert.equal(t.housekeeping.passes, 2);
    t.stop.abort();
    await t.done;
  });
});

describe('syncloop health check', () => {
  it('fails while a pod worker is stuck past the threshold, naming the pod, and passes once it moves on', async () => {
    // Pod workers on a lifecycle whose sync of "stuck" hangs until the test lets it go.
    let release!: () => void;
    const hang = new Promise<void>((r) => (release = r));
    const clock = new FakeClock();
    const stop = new AbortController();
    const workers = new PodWorkers({
      lifecycle: {
        syncPod: async (p) => {
          if (p.metadata.name === 'stuck') await hang;
          return { resyncAfterMs: 10_000 };
        },
        terminatePod: async () => {},
        cleanupPod: async () => {},
      },
      states: new PodWorkerStates(), resyncQueue: new WorkQueue(clock), clock, log: silentLogger, signal: stop.signal,
    });
    const t = loopSetup(workers, clock);
    const check = t.loop.healthCheck();
    const threshold = syncLoopThresholdMs(60_000);
    assert.equal(threshold, 5 * 60_000, 'max(2 × sync-frequency, 5 m)');

    t.config.trySend([{ op: 'ADD', source: 'api', pods: [pod('stuck'), pod('fine')] }]);
    await settle();
    assert.deepEqual(healthzAnswer([check]), { code: 200, body: 'ok' });
    await t.clock.advance(threshold);
    assert.equal(check.check(), undefined, 'at the threshold, not past it');
    await t.clock.advance(1_000);
    const failing = healthzAnswer([check]);
    assert.equal(failing.code, 500);
    assert.match(failing.body, /^\[-\]syncloop failed: no progress: pod worker for "default\/stuck" \(create\) running for 5m1s; threshold is 5m0s$/m);
    assert.doesNotMatch(failing.body, /fine/, 'the pod that syncs is not blamed');

    release();
    await settle();
    assert.deepEqual(healthzAnswer([check]), { code: 200, body: 'ok' });
    stop.abort();
    t.stop.abort();
    await t.done;
  });

  it('gives a terminating pod its grace period on top of the threshold', async () => {
    const since = new Date(Date.UTC(2026, 10, 27, 3, 55, 0));
    const t = loopSetup({
      update: () => {}, resync: () => {},
      busy: () => [{ uid: 'u', pod: pod('slow-stop'), operation: 'kill', since, gracePeriodSeconds: 600 }],
    });
    const check = t.loop.healthCheck();
    await t.clock.advance(5 * 60_000 + 600_000);
    assert.equal(check.check(), undefined);
    await t.clock.advance(1_000);
    assert.match(check.check() ?? '', /pod worker for "default\/slow-stop" \(kill\) running for 15m1s/);
    t.stop.abort();
    await t.done;
  });

  it('fails while a housekeeping pass hangs past the threshold', async () => {
    const t = loopSetup({ update: () => {}, resync: () => {}, busy: () => [] });
    let release!: () => void;
    t.housekeeping.hold = new Promise((r) => (release = r));
    const check = t.loop.healthCheck();
    await t.clock.advance(2_000 + 5 * 60_000 + 1_000);
    assert.match(check.check() ?? '', /^no progress: housekeeping running for 5m1s; threshold is 5m0s$/);
    release();
    await settle();
    assert.equal(check.check(), undefined);
    t.stop.abort();
    await t.done;
  });
});
