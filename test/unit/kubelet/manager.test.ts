import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '../../../src/api/errors.ts';
import type { EventRecorder } from '../../../src/kubelet/client/events.ts';
import { nodeEventObject } from '../../../src/kubelet/client/events.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';
import type { MachineInfo } from '../../../src/kubelet/nodestatus/machine.ts';
import { NodeStatusManager, type StatusSources } from '../../../src/kubelet/nodestatus/manager.ts';
import { defaultEvictionHard, parseEvictionThresholds } from '../../../src/kubelet/options/values.ts';
import type { Node } from '../../../src/api/core/index.ts';
import { FakeApi } from './fakeapi.ts';

const Gi = 1024 ** 3;
const nodePath = '/api/v1/nodes/n1';
/** The stored Node (the fake API keeps objects of any kind). */
const storedNode = (api: FakeApi) => api.objects.get(nodePath) as Node | undefined;

const machine: MachineInfo = {
  numCores: 4, memoryCapacityBytes: 8 * Gi, hugepages: {}, machineID: 'm', systemUUID: 's', bootID: 'b',
  kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64',
};

function setup(registerNode: boolean) {
  const api = new FakeApi();
  const clock = new FakeClock(new Date('2026-11-27T03:55:00Z'));
  const recorded: string[] = [];
  const events: EventRecorder = { nodeEvent: (_t, reason) => recorded.push(reason) };
  const runtime = { errors: [] as string[] };
  const sources: StatusSources = {
    machine,
    observe: async () => ({ memoryAvailableBytes: 4 * Gi, nodefs: { capacityBytes: 100 * Gi, availableBytes: 60 * Gi, inodes: 1e6, inodesFree: 9e5 } }),
    listImages: async () => [{ repoTags: ['localhost/busybox:1.35'], repoDigests: [], size: 1_000_000 }],
    runtimeVersion: () => 'containerd://1.6.20',
    notReadyErrors: () => runtime.errors,
    addresses: () => [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }],
  };
  const mgr = new NodeStatusManager({
    nodeName: 'n1',
    registerNode,
    updateFrequencyMs: 10_000,
    reportFrequencyMs: 300_000,
    settings: { maxPods: 110, kubeReserved: {}, systemReserved: {}, evictionHard: parseEvictionThresholds(defaultEvictionHard), maxImages: 50, kubeletPort: 10250 },
    node: { hostname: 'n1', os: 'linux', arch: 'amd64', nodeLabels: { role: 'worker' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] },
    api,
    sources,
    events,
    clock,
    log: silentLogger,
  });
  return { api, clock, recorded, runtime, mgr };
}

test('registers the Node with labels, taints and status, then patches status only on change or report period', async () => {
  const { api, clock, recorded, runtime, mgr } = setup(true);
  const ac = new AbortController();
  const loop = mgr.run(ac.signal);
  await settle();
  assert.equal(api.count('create', '/api/v1/nodes'), 1);
  const node = storedNode(api)!;
  assert.deepEqual(node.metadata.labels, {
    'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', role: 'worker',
  });
  assert.deepEqual(node.spec?.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  assert.equal(node.status?.capacity?.cpu, '4');
  assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'containerd://1.6.20');
  assert.deepEqual(recorded, ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
  // The first update after registration is a report (nothing reported yet by this loop).
  assert.equal(api.count('patch:strategic'), 1);

  await clock.advance(10_000);
  await clock.advance(10_000);
  assert.equal(api.count('patch:strategic'), 1, 'nothing changed: no patch');
  assert.equal(api.count('get', nodePath), 3);

  runtime.errors = ['container runtime is down'];
  await clock.advance(10_000);
  assert.equal(api.count('patch:strategic'), 2, 'Ready changed: patched');
  const patch = api.calls.filter((c) => c.verb === 'patch:strategic').at(-1)!.body as { status: Record<string, unknown> };
  assert.ok(patch.status['$setElementOrder/conditions'], 'a strategic merge patch with the conditions order');
  assert.equal(patch.status.capacity, undefined, 'only what changed is sent');
  const ready = storedNode(api)!.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.message, 'container runtime is down');
  assert.equal(recorded.at(-1), 'NodeNotReady');

  // Unchanged for the report period: one more patch refreshes the heartbeats.
  for (let i = 0; i < 29; i++) await clock.advance(10_000);
  assert.equal(api.count('patch:strategic'), 2);
  await clock.advance(10_000);
  assert.equal(api.count('patch:strategic'), 3);
  ac.abort();
  await loop;
});

test('an existing Node is taken over: default labels reconciled, no second create', async () => {
  const { api, mgr } = setup(true);
  api.put(nodePath, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'old', keep: 'me' } } });
  const ac = new AbortController();
  await mgr.sync(ac.signal);
  assert.equal(api.count('create'), 1);
  assert.equal(api.count('update', nodePath), 1);
  const node = storedNode(api)!;
  assert.equal(node.metadata.labels!['kubernetes.io/hostname'], 'n1');
  assert.equal(node.metadata.labels!.keep, 'me');
  assert.equal(node.metadata.labels!.role, 'worker');
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('registration retries with capped backoff while the API server is away', async () => {
  const { api, clock, mgr } = setup(true);
  api.failNext = Array.from({ length: 4 }, () => errors.unavailable('starting'));
  const ac = new AbortController();
  const loop = mgr.run(ac.signal);
  await settle();
  assert.equal(api.count('create'), 1);
  await clock.advance(100);
  assert.equal(api.count('create'), 2);
  await clock.advance(199);
  assert.equal(api.count('create'), 2);
  await clock.advance(1);
  assert.equal(api.count('create'), 3);
  await clock.advance(400 + 800);
  assert.equal(api.count('create'), 5);
  assert.ok(api.objects.has(nodePath));
  ac.abort();
  await loop;
});

test('--register-node=false: never creates the Node; reports status once an administrator creates it', async () => {
  const { api, clock, mgr } = setup(false);
  const ac = new AbortController();
  const loop = mgr.run(ac.signal);
  await settle();
  await clock.advance(30_000);
  assert.equal(api.count('create'), 0);
  assert.equal(api.count('get', nodePath), 4);
  api.put(nodePath, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await clock.advance(10_000);
  assert.equal(api.count('create'), 0);
  const node = storedNode(api)!;
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'KubeletReady');
  assert.equal(node.status?.allocatable?.pods, '110');
  assert.equal(node.metadata.labels, undefined, 'labels are only set when the kubelet registers');
  ac.abort();
  await loop;
});

test('node events have the upstream shape', () => {
  const ev = nodeEventObject('n1', 'Normal', 'Starting', 'Starting kubelet.', new Date('2026-11-27T03:55:00.5Z'));
  assert.equal(ev.metadata.namespace, 'default');
  assert.match(ev.metadata.name!, /^n1\.[0-9a-f]+$/);
  assert.deepEqual(ev.involvedObject, { kind: 'Node', name: 'n1', uid: 'n1' });
  assert.deepEqual(ev.source, { component: 'kubelet', host: 'n1' });
  assert.equal(ev.reportingComponent, 'kubelet');
  assert.equal(ev.reportingInstance, 'n1');
  assert.equal(ev.firstTimestamp, '2026-11-27T03:55:00Z');
  assert.equal(ev.count, 1);
  assert.equal(ev.type, 'Normal');
});
