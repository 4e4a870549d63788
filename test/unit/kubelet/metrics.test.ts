import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FakeClock } from '../../../src/kubelet/clock.ts';
import { containerTypeIn, CRI_OPERATIONS, instrumentCri, instrumentRelist, KubeletMetrics, RUNTIME_OPERATION_BUCKETS } from '../../../src/kubelet/metrics/index.ts';
import type { PodStartPod } from '../../../src/kubelet/metrics/pod_start.ts';
import { CriError, type CriClient } from '../../../src/kubelet/runtime/cri/client.ts';
import { promtoolCheck } from '../../support/promtool.ts';
import { helpOf, labelNamesOf, sampleValue, typeOf } from './metrics_text.ts';

const newMetrics = (clock = new FakeClock(new Date('2026-03-01T10:00:00Z'))) =>
  ({ clock, metrics: new KubeletMetrics({ nodeName: 'n1', clock, kubeletStartTime: clock.now(), bootTime: new Date(clock.now().getTime() - 60_000), processMetrics: false }) });

/** A CriClient whose every method resolves (or rejects when listed in `fail`) after recording the call. */
function fakeCri(fail = new Set<string>()) {
  const calls: string[] = [];
  const cri = new Proxy({ endpoint: 'unix:///fake.sock' } as Record<string, unknown>, {
    get(target, prop: string) {
      if (prop in target) return target[prop];
      return async (...args: unknown[]) => {
        calls.push(prop);
        if (fail.has(prop)) throw new CriError(prop, grpc.status.UNKNOWN, `${prop} failed`);
        if (prop === 'runPodSandbox') return 'sb1';
        if (prop === 'createContainer') return `c-${(args[1] as { metadata: { name: string } }).metadata.name}`;
        if (prop.startsWith('list')) return [];
        return undefined;
      };
    },
  }) as unknown as CriClient;
  return { cri, calls };
}

describe('KubeletMetrics', () => {
  it('exposes upstream names, types, labels and buckets', async () => {
    const { metrics } = newMetrics();
    metrics.observeRuntimeOperation('list_containers', 3, false);
    metrics.observePodSync({ uid: 'u', pod: { metadata: { uid: 'u' } }, operation: 'sync', durationMs: 20 }, undefined);
    const text = await metrics.render();
    const expected: Record<string, string> = {
      kubelet_node_name: 'gauge',
      kubelet_pod_worker_duration_seconds: 'histogram',
      kubelet_pod_start_duration_seconds: 'histogram',
      kubelet_pod_start_sli_duration_seconds: 'histogram',
      kubelet_pod_start_total_duration_seconds: 'histogram',
      kubelet_pleg_relist_duration_seconds: 'histogram',
      kubelet_pleg_relist_interval_seconds: 'histogram',
      kubelet_pleg_last_seen_seconds: 'gauge',
      kubelet_runtime_operations_total: 'counter',
      kubelet_runtime_operations_duration_seconds: 'histogram',
      kubelet_runtime_operations_errors_total: 'counter',
      kubelet_run_podsandbox_duration_seconds: 'histogram',
      kubelet_run_podsandbox_errors_total: 'counter',
      kubelet_running_pods: 'gauge',
      kubelet_running_containers: 'gauge',
      kubelet_started_pods_total: 'counter',
      kubelet_started_pods_errors_total: 'counter',
      kubelet_started_containers_total: 'counter',
      kubelet_started_containers_errors_total: 'counter',
      kubelet_node_startup_registration_duration_seconds: 'gauge',
      kubelet_node_startup_duration_seconds: 'gauge',
      kubelet_node_status_updates_total: 'counter',
    };
    for (const [name, type] of Object.entries(expected)) assert.equal(typeOf(text, name), type, name);
    assert.equal(helpOf(text, 'kubelet_pleg_relist_duration_seconds'), '[ALPHA] Duration in seconds for relisting pods in PLEG.');
    assert.equal(sampleValue(text, 'kubelet_node_name', { node: 'n1' }), 1);
    assert.deepEqual(labelNamesOf(text, 'kubelet_pod_worker_duration_seconds_bucket'), ['le', 'operation_type']);
    assert.deepEqual(labelNamesOf(text, 'kubelet_runtime_operations_total'), ['operation_type']);
    // Runtime operation buckets: 5 ms × 2.5^i, 14 of them, as upstream.
    assert.equal(RUNTIME_OPERATION_BUCKETS.length, 14);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_duration_seconds_bucket', { operation_type: 'list_containers', le: '0.005' }), 1);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_duration_seconds_bucket', { operation_type: 'list_containers', le: '0.0125' }), 1);
    assert.equal(sampleValue(text, 'kubelet_pod_worker_duration_seconds_bucket', { operation_type: 'sync', le: '0.01' }), 0);
    assert.equal(sampleValue(text, 'kubelet_pod_worker_duration_seconds_bucket', { operation_type: 'sync', le: '0.025' }), 1);
    for (const state of ['created', 'running', 'exited', 'unknown']) assert.equal(sampleValue(text, 'kubelet_running_containers', { container_state: state }), 0);
  });

  it('counts running pods and containers by state from each relist', async () => {
    const { metrics } = newMetrics();
    const pods = new Map([
      ['a', { sandboxes: [{ state: 'ready' as const }], containers: [{ state: 'running' as const }, { state: 'exited' as const }] }],
      ['b', { sandboxes: [{ state: 'notready' as const }], containers: [{ state: 'exited' as const }] }],
      ['c', { sandboxes: [{ state: 'notready' as const }, { state: 'ready' as const }], containers: [{ state: 'created' as const }] }],
    ]);
    const relist = instrumentRelist(async () => pods, metrics);
    assert.equal(await relist(), pods, 'the relist result passes through');
    let text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_running_pods'), 2);
    assert.equal(sampleValue(text, 'kubelet_running_containers', { container_state: 'running' }), 1);
    assert.equal(sampleValue(text, 'kubelet_running_containers', { container_state: 'exited' }), 2);
    assert.equal(sampleValue(text, 'kubelet_running_containers', { container_state: 'created' }), 1);
    pods.clear();
    await relist();
    text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_running_pods'), 0);
    assert.equal(sampleValue(text, 'kubelet_running_containers', { container_state: 'exited' }), 0, 'gone containers are no longer counted');
  });

  it('keeps one registry per kubelet', async () => {
    const a = newMetrics().metrics;
    const b = new KubeletMetrics({ nodeName: 'n2', processMetrics: false });
    a.observeRuntimeOperation('version', 1, false);
    assert.equal(sampleValue(await a.render(), 'kubelet_runtime_operations_total', { operation_type: 'version' }), 1);
    assert.equal(sampleValue(await b.render(), 'kubelet_runtime_operations_total', { operation_type: 'version' }), undefined);
    assert.equal(sampleValue(await b.render(), 'kubelet_node_name', { node: 'n2' }), 1);
    assert.match(a.contentType, /^text\/plain; version=0\.0\.4/);
  });
});

describe('instrumentCri', () => {
  it('times and counts every call under upstream operation names, errors included', async () => {
    const { metrics } = newMetrics();
    const { cri, calls } = fakeCri(new Set(['listImages']));
    const icri = instrumentCri(cri, metrics);
    assert.equal(icri.endpoint, 'unix:///fake.sock');
    await icri.listPodSandbox();
    await icri.listContainers();
    await icri.listContainers({ podSandboxId: 'x' });
    await icri.stopContainer('c1', 30);
    await assert.rejects(icri.listImages(), /listImages failed/);
    assert.deepEqual(calls, ['listPodSandbox', 'listContainers', 'listContainers', 'stopContainer', 'listImages']);
    const text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_total', { operation_type: 'list_podsandbox' }), 1);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_total', { operation_type: 'list_containers' }), 2);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_duration_seconds_count', { operation_type: 'list_containers' }), 2);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_total', { operation_type: 'stop_container' }), 1);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_total', { operation_type: 'list_images' }), 1);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_errors_total', { operation_type: 'list_images' }), 1);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_errors_total', { operation_type: 'list_containers' }), undefined);
  });

  it('wraps every method of the CRI client interface', () => {
    const { metrics } = newMetrics();
    const icri = instrumentCri(fakeCri().cri, metrics) as unknown as Record<string, unknown>;
    for (const method of Object.keys(CRI_OPERATIONS)) assert.equal(typeof icri[method], 'function', method);
    assert.ok(Object.values(CRI_OPERATIONS).every((op) => /^[a-z_]+$/.test(op)));
    assert.equal(CRI_OPERATIONS.runPodSandbox, 'run_podsandbox');
    assert.equal(CRI_OPERATIONS.updateContainerResources, 'update_container');
  });

  it('counts started pods and containers, by type and error code', async () => {
    const { metrics } = newMetrics();
    const spec = { initContainers: [{ name: 'init' }], containers: [{ name: 'app' }] };
    const ok = instrumentCri(fakeCri().cri, metrics, { containerType: (uid, name) => (uid === 'u1' ? containerTypeIn(spec, name) : 'container') });
    const sandbox = { metadata: { uid: 'u1', name: 'p', namespace: 'default', attempt: 0 } };
    await ok.runPodSandbox(sandbox, 'runc');
    const init = await ok.createContainer('sb1', { metadata: { name: 'init', attempt: 0 } }, sandbox);
    await ok.startContainer(init);
    await ok.createContainer('sb1', { metadata: { name: 'app', attempt: 0 } }, sandbox);
    const bad = instrumentCri(fakeCri(new Set(['runPodSandbox', 'startContainer'])).cri, metrics);
    await assert.rejects(bad.runPodSandbox(sandbox, 'runc'));
    const id = await bad.createContainer('sb1', { metadata: { name: 'app', attempt: 0 } }, sandbox);
    await assert.rejects(bad.startContainer(id));
    const text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_started_pods_total'), 2);
    assert.equal(sampleValue(text, 'kubelet_started_pods_errors_total'), 1);
    assert.equal(sampleValue(text, 'kubelet_run_podsandbox_duration_seconds_count', { runtime_handler: 'runc' }), 2);
    assert.equal(sampleValue(text, 'kubelet_run_podsandbox_errors_total', { runtime_handler: 'runc' }), 1);
    assert.equal(sampleValue(text, 'kubelet_runtime_operations_errors_total', { operation_type: 'run_podsandbox' }), 1);
    assert.equal(sampleValue(text, 'kubelet_started_containers_total', { container_type: 'init_container' }), 1);
    assert.equal(sampleValue(text, 'kubelet_started_containers_total', { container_type: 'container' }), 2);
    assert.equal(sampleValue(text, 'kubelet_started_containers_errors_total', { container_type: 'container', code: 'RunContainerError' }), 1);
  });

  it('takes image pull time out of the pod start SLI', async () => {
    const { metrics, clock } = newMetrics();
    const icri = instrumentCri(fakeCri().cri, metrics, { now: () => clock.now().getTime() });
    const created = clock.now();
    const pod: PodStartPod = { metadata: { uid: 'u1', creationTimestamp: created.toISOString(), annotations: { 'kubernetes.io/config.seen': created.toISOString() } }, spec: {}, status: { phase: 'Pending' } };
    metrics.observePodSync({ uid: 'u1', pod, operation: 'create', durationMs: 5 }, { phase: 'Pending' });
    await clock.advance(1_000);
    // A pull that the fake runtime answers at once, then 2 s "pass" inside a second pull.
    const slowPull: CriClient = { ...fakeCri().cri, pullImage: async () => { await clock.advance(2_000); return 'sha256:x'; } } as CriClient;
    await instrumentCri(slowPull, metrics, { now: () => clock.now().getTime() }).pullImage({ image: 'busybox' }, undefined, { metadata: { uid: 'u1' } });
    await icri.pullImage({ image: 'busybox' }, undefined, { metadata: { uid: 'u1' } });
    await clock.advance(500);
    metrics.observePodSync({ uid: 'u1', pod, operation: 'sync', durationMs: 5 }, { phase: 'Running', containerStatuses: [{ state: { running: {} } }] });
    const text = await metrics.render();
    assert.equal(sampleValue(text, 'kubelet_pod_start_total_duration_seconds_sum', { first_with_network: 'true' }), 3.5);
    assert.equal(sampleValue(text, 'kubelet_pod_start_sli_duration_seconds_sum', { first_with_network: 'true' }), 1.5);
    assert.equal(sampleValue(text, 'kubelet_pod_start_duration_seconds_sum'), 3.5);
  });
});

describe('promtool', () => {
  it('accepts everything the kubelet exposes, process metrics included', async () => {
    const clock = new FakeClock(new Date('2026-03-01T10:00:00Z'));
    const metrics = new KubeletMetrics({ nodeName: 'n1', clock });
    const icri = instrumentCri(fakeCri(new Set(['startContainer'])).cri, metrics);
    await icri.runPodSandbox({ metadata: { uid: 'u' } }, '');
    await assert.rejects(icri.startContainer(await icri.createContainer('sb', { metadata: { name: 'a' } }, { metadata: { uid: 'u' } })));
    metrics.observeRelist(12, 1000, true);
    metrics.observePodSync({ uid: 'u', pod: { metadata: { uid: 'u' } }, operation: 'create', durationMs: 30 }, { phase: 'Running' });
    const hooks = metrics.nodeStatusHooks();
    hooks.registrationAttempt?.();
    hooks.registered?.();
    hooks.statusUpdate?.('patched', true);
    const text = await metrics.render();
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.match(text, /^process_resident_memory_bytes /m);
    assert.doesNotMatch(text, /nodejs_active_handles_total/);
    const r = await promtoolCheck(text);
    assert.equal(r.exitCode, 0, r.output);
    assert.ok(r.ok);
  });

  it('fails on unparseable text and on lint findings that are not upstream exceptions', async () => {
    const broken = await promtoolCheck('kubelet_x{ 1\n');
    assert.equal(broken.ok, false);
    assert.equal(broken.exitCode, 1);
    const lint = '# HELP queue_depth_total a gauge\n# TYPE queue_depth_total gauge\nqueue_depth_total 1\n';
    const bad = await promtoolCheck(lint);
    assert.equal(bad.ok, false);
    assert.equal(bad.exitCode, 3);
    assert.deepEqual(bad.failures, ['queue_depth_total non-counter metrics should not have "_total" suffix']);
    const upstream = '# HELP kubelet_pleg_discard_events [ALPHA] The number of discard events in PLEG.\n# TYPE kubelet_pleg_discard_events counter\nkubelet_pleg_discard_events 0\n';
    const allowed = await promtoolCheck(upstream);
    assert.equal(allowed.exitCode, 3, allowed.output);
    assert.equal(allowed.ok, true, 'an upstream counter name promtool dislikes is allowed');
    assert.equal((await promtoolCheck(upstream, [])).ok, false, 'and only when listed');
  });
});
