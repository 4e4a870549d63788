// The pod workers' state machine on a scripted lifecycle: each call waits until the test lets it
// finish (or its signal aborts), so every step between syncing, terminating, terminated and
// removed is observed as it happens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../../src/api/core/index.ts';
import { FakeClock, settle } from '../../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../../src/kubelet/log.ts';
import { PodWorkers, PodWorkerStates, terminationStep, type PodLifecycle, type SyncOutcome } from '../../../../src/kubelet/pod/workers.ts';
import { WorkQueue } from '../../../../src/kubelet/syncloop/index.ts';

interface Call {
  what: 'sync' | 'kill' | 'cleanup';
  pod: Pod;
  grace?: number;
  removed?: boolean;
  signal?: AbortSignal;
  finish(outcome?: SyncOutcome): void;
  fail(e: Error): void;
}

/** A lifecycle whose calls wait for the test; a sync also ends (rejects) when its signal aborts. */
class ScriptedLifecycle implements PodLifecycle {
  readonly calls: Call[] = [];

  private call<T>(c: Omit<Call, 'finish' | 'fail'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      c.signal?.addEventListener('abort', () => reject(c.signal!.reason), { once: true });
      this.calls.push({ ...c, finish: (o) => resolve(o as T), fail: reject });
    });
  }

  syncPod(pod: Pod, signal: AbortSignal) { return this.call<SyncOutcome>({ what: 'sync', pod, signal }); }
  terminatePod(pod: Pod, grace: number | undefined, signal: AbortSignal) { return this.call<void>({ what: 'kill', pod, grace, signal }); }
  cleanupPod(pod: Pod, removed: boolean) { return this.call<void>({ what: 'cleanup', pod, removed }); }

  last(): Call {
    const c = this.calls.at(-1);
    assert.ok(c, 'a lifecycle call was made');
    return c;
  }

  /** Each call as `what:uid[:detail]`. */
  trace(): string[] {
    return this.calls.map((c) => [c.what, c.pod.metadata.uid, c.what === 'kill' ? c.grace : c.what === 'cleanup' ? (c.removed ? 'removed' : 'kept') : c.pod.metadata.labels?.v].filter((x) => x !== undefined).join(':'));
  }
}

function setup() {
  const clock = new FakeClock();
  const lifecycle = new ScriptedLifecycle();
  const states = new PodWorkerStates();
  const queue = new WorkQueue(clock);
  const stop = new AbortController();
  const ops: string[] = [];
  const workers = new PodWorkers({ lifecycle, states, resyncQueue: queue, clock, log: silentLogger, signal: stop.signal, onSync: (e) => ops.push(e.operation) });
  return { clock, lifecycle, states, queue, stop, workers, ops };
}

const pod = (uid: string, v = '1', extra: Partial<Pod['metadata']> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { uid, name: `pod-${uid}`, namespace: 'default', labels: { v }, ...extra }, spec: { containers: [] },
});

describe('pod workers', () => {
  it('walk a pod through syncing, terminating, terminated and removed', async () => {
    const { lifecycle, states, workers, queue, ops } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    assert.equal(states.state('a'), 'syncing');
    lifecycle.last().finish({ resyncAfterMs: 60_000 });
    await settle();
    assert.equal(queue.length, 1, 'the synced pod waits in the resync queue');

    workers.update({ pod: pod('a', '1', { deletionTimestamp: '2026-01-01T00:00:00Z' }), terminate: true, gracePeriodSeconds: 30 });
    await settle();
    assert.equal(states.state('a'), 'terminating');
    assert.equal(states.couldHaveRunningContainers('a'), true);
    lifecycle.last().finish();
    await settle();
    assert.equal(states.state('a'), 'terminated');
    assert.equal(states.couldHaveRunningContainers('a'), false);
    assert.equal(states.couldHaveRunningContainers('unknown'), true, 'a pod no worker knows, before housekeeping has seen every source');
    states.markPodsSynced();
    assert.equal(states.couldHaveRunningContainers('unknown'), false, 'and after: it never ran (refused at admission)');
    lifecycle.last().finish();
    await settle();
    // A finished pod that its source still has is kept (its exited containers hold its logs).
    assert.deepEqual(states.known(), ['a']);
    workers.resync('a');
    await settle();
    assert.equal(lifecycle.calls.length, 3, 'a terminated, cleaned-up pod has nothing to resync');

    workers.update({ pod: pod('a'), removed: true });
    await settle();
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'kill:a:30', 'cleanup:a:kept', 'cleanup:a:removed']);
    assert.deepEqual(ops, ['create', 'kill']);
    assert.equal(states.state('a'), undefined);
    assert.deepEqual(states.known(), []);
  });

  it('collapse updates that arrive while busy into one sync of the newest pod', async () => {
    const { lifecycle, workers, ops } = setup();
    workers.update({ pod: pod('a', '1') });
    await settle();
    for (const v of ['2', '3', '4']) workers.update({ pod: pod('a', v) });
    workers.resync('a');
    await settle();
    assert.equal(lifecycle.calls.length, 1, 'nothing runs beside the sync in flight');
    lifecycle.last().finish({});
    await settle();
    lifecycle.last().finish({});
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'sync:a:4']);
    assert.deepEqual(ops, ['create', 'update']);
  });

  it('resync with the pod the sync loop hands over (the pod manager’s, maybe with a newer status)', async () => {
    const { lifecycle, workers, ops } = setup();
    workers.update({ pod: pod('a', '1') });
    await settle();
    lifecycle.last().finish({});
    await settle();
    const newer = { ...pod('a', '1'), status: { conditions: [{ type: 'example.com/lb', status: 'True' as const }] } };
    workers.resync('a', newer);
    await settle();
    assert.equal(lifecycle.last().pod, newer);
    lifecycle.last().finish({});
    await settle();
    workers.resync('a');
    await settle();
    assert.equal(lifecycle.last().pod, newer, 'without one, the pod it had');
    assert.deepEqual(ops, ['create', 'sync']);
  });

  it('only ever shorten a terminating pod’s grace period', async () => {
    const { lifecycle, workers } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 30 });
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 60 });
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 10 });
    workers.update({ pod: pod('a'), terminate: true });
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'kill:a:10']);

    assert.deepEqual(terminationStep('syncing', undefined, { terminate: true, gracePeriodSeconds: 5 }), { state: 'terminating', gracePeriod: 5, cancelSync: true });
    assert.deepEqual(terminationStep('terminating', 5, { gracePeriodSeconds: 7 }), { state: 'terminating', gracePeriod: 5, cancelSync: false });
    assert.deepEqual(terminationStep('terminating', 5, { gracePeriodSeconds: 2 }), { state: 'terminating', gracePeriod: 2, cancelSync: true });
    assert.deepEqual(terminationStep('terminated', 5, { terminate: true, gracePeriodSeconds: 1 }), { state: 'terminated', gracePeriod: 5, cancelSync: false });
    assert.deepEqual(terminationStep('syncing', undefined, {}), { state: 'syncing', gracePeriod: undefined, cancelSync: false });
  });

  it('cancel a pod’s sync in flight when it is told to terminate, and leave other pods alone', async () => {
    const { lifecycle, workers } = setup();
    workers.update({ pod: pod('a') });
    workers.update({ pod: pod('b') });
    await settle();
    const [syncA, syncB] = lifecycle.calls;
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 0 });
    assert.equal(syncA.signal!.aborted, true, 'the sync of the terminating pod is cancelled at once');
    assert.equal(syncB.signal!.aborted, false);
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'sync:b:1', 'kill:a:0'], 'termination starts as soon as the sync gives up');
    syncB.finish({ resyncAfterMs: 1_000 });
    await settle();
    assert.equal(syncB.signal!.aborted, false);

    // A static pod whose manifest is gone (removed from its source) is cancelled the same way.
    workers.update({ pod: pod('s') });
    await settle();
    const syncS = lifecycle.last();
    workers.update({ pod: pod('s'), removed: true, gracePeriodSeconds: 5 });
    assert.equal(syncS.signal!.aborted, true);
    await settle();
    assert.deepEqual(lifecycle.trace().slice(-2), ['sync:s:1', 'kill:s:5']);
  });

  it('put pods back in the resync queue: after a sync as it says, after a failure in 2 s', async () => {
    const { lifecycle, workers, queue, clock } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    lifecycle.last().finish({ resyncAfterMs: 5_000 });
    await settle();
    await clock.advance(4_999);
    assert.deepEqual(queue.getWork(), []);
    await clock.advance(1);
    assert.deepEqual(queue.getWork(), ['a']);
    workers.resync('a');
    await settle();
    lifecycle.last().fail(new Error('runtime away'));
    await settle();
    await clock.advance(2_000);
    assert.deepEqual(queue.getWork(), ['a']);
  });

  it('say what is in flight and since when, a termination with its grace period', async () => {
    const { lifecycle, workers, clock } = setup();
    const started = clock.now();
    workers.update({ pod: pod('a') });
    await settle();
    await clock.advance(7_000);
    assert.deepEqual(workers.busy().map((w) => [w.uid, w.operation, w.since.getTime()]), [['a', 'create', started.getTime()]]);
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 45 });
    await settle();
    assert.deepEqual(workers.busy().map((w) => [w.operation, w.gracePeriodSeconds]), [['kill', 45]]);
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(workers.busy().map((w) => w.operation), ['cleanup']);
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(workers.busy(), []);
  });

  it('cancel every sync in flight and start nothing once the kubelet stops', async () => {
    const { lifecycle, workers, stop } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    stop.abort();
    assert.equal(lifecycle.last().signal!.aborted, true);
    workers.update({ pod: pod('b') });
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1']);
  });

  it('start a pod afresh that comes back with the same UID while it terminates (a static pod’s manifest out and in)', async () => {
    const { lifecycle, workers, states, ops } = setup();
    workers.update({ pod: pod('s', '1') });
    await settle();
    lifecycle.last().finish({});
    await settle();
    workers.update({ pod: pod('s', '1'), removed: true, gracePeriodSeconds: 5 });
    await settle();
    workers.update({ pod: pod('s', '2') }); // back during the kill
    lifecycle.last().finish();
    await settle();
    assert.equal(states.state('s'), 'terminated', 'the old pod is still terminated and cleaned up first');
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:s:1', 'kill:s:5', 'cleanup:s:removed', 'sync:s:2']);
    assert.equal(states.state('s'), 'syncing');
    lifecycle.last().finish({});
    await settle();
    assert.deepEqual(ops, ['create', 'kill', 'create'], 'the new one is a first sync');

    // Back during the cleanup, too; but not when it is removed again before that ends.
    workers.update({ pod: pod('s', '2'), removed: true, gracePeriodSeconds: 5 });
    await settle();
    lifecycle.last().finish();
    await settle();
    workers.update({ pod: pod('s', '3') });
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(lifecycle.trace().slice(4), ['kill:s:5', 'cleanup:s:removed', 'sync:s:3']);
    lifecycle.last().finish({});
    await settle();
    workers.update({ pod: pod('s', '3'), removed: true, gracePeriodSeconds: 5 });
    await settle();
    workers.update({ pod: pod('s', '4') });
    workers.update({ pod: pod('s', '4'), removed: true, gracePeriodSeconds: 5 });
    lifecycle.last().finish();
    await settle();
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(lifecycle.trace().slice(7), ['kill:s:5', 'cleanup:s:removed']);
    assert.equal(states.state('s'), undefined);
  });

  it('report a cancelled sync neither as done nor as failed', async () => {
    const { lifecycle, workers, ops, queue } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 0 });
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'kill:a:0']);
    assert.deepEqual(ops, [], 'the cancelled create is not a sync to count');
    assert.equal(queue.length, 0, 'nor one to retry');
  });

  it('cancel a kill in flight when the grace period shortens, and kill again with it', async () => {
    const { lifecycle, workers, ops } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    lifecycle.last().finish({});
    await settle();
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 30 });
    await settle();
    const kill = lifecycle.last();
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 40 });
    assert.equal(kill.signal!.aborted, false, 'a longer grace period changes nothing');
    workers.update({ pod: pod('a'), terminate: true, gracePeriodSeconds: 5 });
    assert.equal(kill.signal!.aborted, true);
    await settle();
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'kill:a:30', 'kill:a:5']);
    lifecycle.last().finish();
    await settle();
    assert.deepEqual(ops, ['create', 'kill']);
    assert.equal(lifecycle.last().what, 'cleanup');
  });

  it('terminate a pod whose sync says it has finished', async () => {
    const { lifecycle, workers, states } = setup();
    workers.update({ pod: pod('a') });
    await settle();
    lifecycle.last().finish({ terminal: true });
    await settle();
    assert.equal(states.state('a'), 'terminating');
    assert.deepEqual(lifecycle.trace(), ['sync:a:1', 'kill:a']);
  });
});
