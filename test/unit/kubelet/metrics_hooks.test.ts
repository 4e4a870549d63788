// The kubelet parts' metric hooks, driven for real: GenericPLEG's onRelist, PodWorkers' onSync,
// NodeStatusManager's hooks, and the pod start tracker's decisions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/core/index.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';
import { KubeletMetrics } from '../../../src/kubelet/metrics/index.ts';
import { NodeStartupTracker } from '../../../src/kubelet/metrics/node_startup.ts';
import { PodStartTracker, type PodStartPod, type PodStartStatus } from '../../../src/kubelet/metrics/pod_start.ts';
import { NodeStatusManager } from '../../../src/kubelet/nodestatus/manager.ts';
import { defaultEvictionHard, parseEvictionThresholds } from '../../../src/kubelet/options/values.ts';
import { GenericPLEG } from '../../../src/kubelet/pleg/index.ts';
import { PodWorkers, PodWorkerStates, type PodSyncEvent } from '../../../src/kubelet/pod/workers.ts';
import { WorkQueue } from '../../../src/kubelet/syncloop/index.ts';
import { FakeApi } from './fakeapi.ts';
import { sampleValue } from './metrics_text.ts';

const t0 = new Date('2026-03-01T10:00:00Z');
const metricsAt = (clock: FakeClock, bootTime: Date | null = null) => new KubeletMetrics({ nodeName: 'n1', clock, kubeletStartTime: clock.now(), bootTime, processMetrics: false });

describe('PLEG relist metrics', () => {
  it('observes duration on every relist, the interval between them, and last seen on success', async () => {
    const clock = new FakeClock(t0);
    const metrics = metricsAt(clock);
    let fail = false;
    const pleg = new GenericPLEG({
      relist: async () => {
        if (fail) throw new Error('runtime down');
        return new Map();
      },
      getPodStatus: async () => { throw new Error('unused'); },
      clock,
      log: silentLogger,
      onRelist: metrics.observeRelist,
    });
    await pleg.relist();
    let text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_pleg_relist_duration_seconds_count'), 1);
    assert.equal(sampleValue(text, 'kubelet_pleg_relist_interval_seconds_count'), 0, 'no interval before a second relist');
    assert.equal(sampleValue(text, 'kubelet_pleg_last_seen_seconds'), t0.getTime() / 1000);

    await clock.advance(1_000);
    fail = true;
    await pleg.relist();
    await clock.advance(1_500);
    fail = false;
    await pleg.relist();
    text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_pleg_relist_duration_seconds_count'), 3, 'failed relists are timed too');
    assert.equal(sampleValue(text, 'kubelet_pleg_relist_interval_seconds_count'), 2);
    // Intervals run from the last successful relist: 1 s, then 2.5 s.
    assert.equal(sampleValue(text, 'kubelet_pleg_relist_interval_seconds_sum'), 3.5);
    assert.equal(sampleValue(text, 'kubelet_pleg_last_seen_seconds'), t0.getTime() / 1000 + 2.5);
  });
});

describe('pod worker metrics', () => {
  it('reports create, update, sync and kill with durations, errors included', async () => {
    const events: PodSyncEvent[] = [];
    let failNext = false;
    const ac = new AbortController();
    const workers = new PodWorkers({
      lifecycle: {
        syncPod: async () => {
          if (failNext) { failNext = false; throw new Error('boom'); }
          return {};
        },
        terminatePod: async () => {},
        cleanupPod: async () => {},
      },
      states: new PodWorkerStates(),
      resyncQueue: new WorkQueue(new FakeClock(t0)),
      clock: new FakeClock(t0),
      log: silentLogger,
      signal: ac.signal,
      onSync: (e) => events.push(e),
    });
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { uid: 'u1', name: 'p', namespace: 'default' }, spec: { containers: [] } };
    workers.update({ pod });
    await settle();
    workers.update({ pod: { ...pod, metadata: { ...pod.metadata, labels: { a: 'b' } } } });
    await settle();
    workers.resync('u1');
    await settle();
    failNext = true;
    workers.resync('u1');
    await settle();
    workers.update({ pod, terminate: true, gracePeriodSeconds: 0 });
    await settle();
    ac.abort();
    assert.deepEqual(events.map((e) => `${e.operation}${e.error ? '!' : ''}`), ['create', 'update', 'sync', 'sync!', 'kill']);
    assert.ok(events.every((e) => e.uid === 'u1' && e.durationMs >= 0));

    const metrics = metricsAt(new FakeClock(t0));
    for (const e of events) metrics.observePodSync(e, undefined);
    const text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_pod_worker_duration_seconds_count', { operation_type: 'sync' }), 2);
    assert.equal(sampleValue(text, 'kubelet_pod_worker_duration_seconds_count', { operation_type: 'kill' }), 1);
  });
});

describe('pod start latency', () => {
  const seenAt = (t: Date) => ({ 'kubernetes.io/config.seen': t.toISOString() });
  const running: PodStartStatus = { phase: 'Running', containerStatuses: [{ state: { running: {} } }, { state: { terminated: { exitCode: 0 } } }] };

  it('observes first seen → running once, from the config.seen annotation', async () => {
    const clock = new FakeClock(t0);
    const metrics = metricsAt(clock);
    const pod: PodStartPod = { metadata: { uid: 'u1', creationTimestamp: new Date(t0.getTime() - 1_000).toISOString(), annotations: seenAt(t0) }, spec: { hostNetwork: true } };
    metrics.observePodSync({ uid: 'u1', pod, operation: 'create', durationMs: 1 }, { phase: 'Pending' });
    await clock.advance(2_000);
    metrics.observePodSync({ uid: 'u1', pod, operation: 'sync', durationMs: 1 }, running);
    await clock.advance(2_000);
    metrics.observePodSync({ uid: 'u1', pod, operation: 'sync', durationMs: 1 }, running);
    const text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_pod_start_duration_seconds_count'), 1);
    assert.equal(sampleValue(text, 'kubelet_pod_start_duration_seconds_sum'), 2);
    assert.equal(sampleValue(text, 'kubelet_pod_start_duration_seconds_bucket', { le: '2' }), 1);
    assert.equal(sampleValue(text, 'kubelet_pod_start_duration_seconds_bucket', { le: '1' }), 0);
    // Host-network pods are never "first with network".
    assert.equal(sampleValue(text, 'kubelet_pod_start_total_duration_seconds_sum', { first_with_network: 'false' }), 3);
  });

  it('leaves out adopted pods, waits for every container, labels only the first network pod', () => {
    const tracker = new PodStartTracker();
    const now = t0.getTime();
    const created = new Date(now - 10_000).toISOString();
    const adopted: PodStartPod = { metadata: { uid: 'a', creationTimestamp: created, annotations: seenAt(t0) }, status: { phase: 'Running', startTime: created } };
    assert.deepEqual(tracker.podSynced(adopted, running, now), {}, 'already running when the kubelet first saw it');
    const p = (uid: string): PodStartPod => ({ metadata: { uid, creationTimestamp: created }, spec: {} });
    assert.equal(tracker.podSynced(p('b'), { phase: 'Running', containerStatuses: [{ state: { running: {} } }, { state: {} }] }, now).sli, undefined, 'one container still waiting');
    assert.deepEqual(tracker.podSynced(p('b'), running, now).sli, { sliSeconds: 10, totalSeconds: 10, firstWithNetwork: true });
    assert.equal(tracker.podSynced(p('b'), running, now).sli, undefined, 'observed once');
    assert.equal(tracker.podSynced(p('c'), running, now).sli?.firstWithNetwork, false);
    tracker.podSynced(p('d'), { phase: 'Succeeded' }, now);
    tracker.forget('b');
    tracker.forget('c');
    tracker.forget('a');
    assert.equal(tracker.size, 0, 'finished and killed pods are forgotten');
    for (let i = 0; i < 12_000; i++) tracker.recordPull(`x${i}`, now, now + 1);
    assert.ok(tracker.size <= 10_000, 'bounded');
  });
});

describe('node status metrics', () => {
  const Gi = 1024 ** 3;
  it('counts status updates by result and sets the start-up phases once', async () => {
    const api = new FakeApi();
    const clock = new FakeClock(t0);
    const metrics = metricsAt(clock, new Date(t0.getTime() - 100_000));
    await clock.advance(3_000); // kubelet start → first registration attempt
    const mgr = new NodeStatusManager({
      nodeName: 'n1',
      registerNode: true,
      updateFrequencyMs: 10_000,
      reportFrequencyMs: 300_000,
      settings: { maxPods: 110, kubeReserved: {}, systemReserved: {}, evictionHard: parseEvictionThresholds(defaultEvictionHard), maxImages: 50, kubeletPort: 10250 },
      node: { hostname: 'n1', os: 'linux', arch: 'amd64', nodeLabels: {}, taints: [] },
      api,
      sources: {
        machine: { numCores: 2, memoryCapacityBytes: 4 * Gi, hugepages: {}, machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', operatingSystem: 'linux', architecture: 'amd64' },
        observe: async () => ({ memoryAvailableBytes: 2 * Gi, nodefs: { capacityBytes: 100 * Gi, availableBytes: 60 * Gi, inodes: 1e6, inodesFree: 9e5 } }),
        listImages: async () => [],
        runtimeVersion: () => 'containerd://1.6.20',
        notReadyErrors: () => [],
        addresses: () => [{ type: 'InternalIP', address: '10.0.0.5' }],
      },
      events: { nodeEvent: () => {} },
      clock,
      log: silentLogger,
      hooks: metrics.nodeStatusHooks(),
    });
    const ac = new AbortController();
    await mgr.sync(ac.signal); // registers and reports
    await clock.advance(10_000);
    await mgr.sync(ac.signal); // nothing changed
    api.failNext = [new Error('apiserver away')];
    await mgr.sync(ac.signal); // one failed attempt, then retried within the tick
    const text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_node_status_updates_total', { result: 'patched' }), 1);
    assert.equal(sampleValue(text, 'kubelet_node_status_updates_total', { result: 'unchanged' }), 2);
    assert.equal(sampleValue(text, 'kubelet_node_status_updates_total', { result: 'error' }), 1);
    assert.equal(sampleValue(text, 'kubelet_node_startup_pre_kubelet_duration_seconds'), 100);
    assert.equal(sampleValue(text, 'kubelet_node_startup_pre_registration_duration_seconds'), 3);
    assert.equal(sampleValue(text, 'kubelet_node_startup_registration_duration_seconds'), 0);
    assert.equal(sampleValue(text, 'kubelet_node_startup_post_registration_duration_seconds'), 0);
    assert.equal(sampleValue(text, 'kubelet_node_startup_duration_seconds'), 103);
  });

  it('node start-up phases: each set once, in order', () => {
    const n = new NodeStartupTracker(10_000, 0);
    assert.equal(n.nodeReady(11_000), undefined, 'not registered yet');
    assert.equal(n.registeredNode(11_000), undefined, 'no attempt yet');
    n.registrationAttempt(12_000);
    n.registrationAttempt(13_000);
    assert.deepEqual(n.registeredNode(15_000), { preKubeletSeconds: 10, preRegistrationSeconds: 2, registrationSeconds: 3 });
    assert.equal(n.registeredNode(16_000), undefined);
    assert.deepEqual(n.nodeReady(20_000), { postRegistrationSeconds: 5, totalSeconds: 20 });
    assert.equal(n.nodeReady(21_000), undefined);
  });
});
