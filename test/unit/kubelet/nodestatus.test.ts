import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, type Quantity } from '../../../src/api/quantity.ts';
import { computeAllocatable, computeCapacity, formatResources } from '../../../src/kubelet/nodestatus/allocatable.ts';
import { buildNodeStatus, type NodeStatusInputs } from '../../../src/kubelet/nodestatus/build.ts';
import { nodeStatusChanged, shouldPatchStatus } from '../../../src/kubelet/nodestatus/decide.ts';
import { hugepageResourceName, nodeAddresses, parseMeminfo, parseOsRelease, type MachineInfo } from '../../../src/kubelet/nodestatus/machine.ts';
import { parseEvictionThresholds } from '../../../src/kubelet/options/values.ts';
import type { NodeCondition } from '../../../src/api/core/index.ts';
import { defaultEvictionHard } from '../../../src/kubelet/options/values.ts';

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

const machine: MachineInfo = {
  numCores: 8,
  memoryCapacityBytes: 16 * Gi,
  hugepages: { 'hugepages-2Mi': 512 * Mi, 'hugepages-1Gi': 0 },
  machineID: 'abc123',
  systemUUID: 'uuid-1',
  bootID: 'boot-1',
  kernelVersion: '6.1.0-18-amd64',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  operatingSystem: 'linux',
  architecture: 'amd64',
};

const q = (s: string): Quantity => parseQuantity(s);

test('capacity comes from the machine; allocatable = capacity − reservations − hard eviction', () => {
  const capacity = computeCapacity(machine, 100 * Gi, 110);
  assert.deepEqual(formatResources(capacity), {
    cpu: '8',
    memory: '16Gi',
    pods: '110',
    'ephemeral-storage': '100Gi',
    'hugepages-2Mi': '512Mi',
    'hugepages-1Gi': '0',
  });
  const allocatable = computeAllocatable(
    capacity,
    { cpu: q('100m'), memory: q('100Mi') },
    { cpu: q('400m'), memory: q('300Mi'), 'ephemeral-storage': q('1Gi') },
    parseEvictionThresholds({ 'memory.available': '100Mi', 'nodefs.available': '10%', 'pid.available': '5%' }),
  );
  const a = formatResources(allocatable);
  assert.equal(a.cpu, '7500m');
  // 16Gi − 100Mi − 300Mi − 100Mi (eviction) − 512Mi (hugepages)
  assert.equal(a.memory, `${16 * 1024 - 1012}Mi`);
  // 100Gi − 1Gi − 10% of 100Gi (truncated to whole bytes)
  assert.equal(allocatable['ephemeral-storage'].nanos, BigInt(100 * Gi - Gi - Math.floor(100 * Gi * 0.1)) * 1_000_000_000n);
  assert.equal(a.pods, '110');
  assert.equal(a['hugepages-2Mi'], '512Mi');
});

test('allocatable never goes below zero', () => {
  const capacity = computeCapacity({ ...machine, numCores: 1, hugepages: {} }, undefined, 10);
  const a = formatResources(computeAllocatable(capacity, { cpu: q('2') }, {}, []));
  assert.equal(a.cpu, '0');
  assert.equal(a['ephemeral-storage'], undefined);
});

test('machine file parsers', () => {
  assert.deepEqual(parseMeminfo('MemTotal:       16318100 kB\nMemAvailable:    8000000 kB\nHugePages_Total:       0\n'), {
    MemTotal: 16318100 * 1024,
    MemAvailable: 8000000 * 1024,
    HugePages_Total: 0,
  });
  assert.equal(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(parseOsRelease(''), 'Linux');
  assert.equal(hugepageResourceName('hugepages-2048kB'), 'hugepages-2Mi');
  assert.equal(hugepageResourceName('hugepages-1048576kB'), 'hugepages-1Gi');
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '10.1.2.3', family: 'IPv4', internal: false }],
  } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
  assert.deepEqual(nodeAddresses('n1', undefined, ifaces), [{ type: 'InternalIP', address: '10.1.2.3' }, { type: 'Hostname', address: 'n1' }]);
  assert.deepEqual(nodeAddresses('n1', '192.168.0.9', ifaces)[0], { type: 'InternalIP', address: '192.168.0.9' });
});

const t0 = new Date('2026-11-27T03:55:00Z');

function inputs(over: Partial<NodeStatusInputs> = {}): NodeStatusInputs {
  return {
    now: t0,
    machine,
    observations: {
      memoryAvailableBytes: 8 * Gi,
      nodefs: { capacityBytes: 100 * Gi, availableBytes: 50 * Gi, inodes: 1_000_000, inodesFree: 900_000 },
      pidMax: 4_194_304,
      pidsRunning: 300,
    },
    settings: { maxPods: 110, kubeReserved: {}, systemReserved: {}, evictionHard: parseEvictionThresholds(defaultEvictionHard), maxImages: 50, kubeletPort: 10250 },
    containerRuntimeVersion: 'containerd://1.6.20',
    notReadyErrors: [],
    images: [],
    addresses: [{ type: 'InternalIP', address: '10.1.2.3' }, { type: 'Hostname', address: 'n1' }],
    ...over,
  };
}

const cond = (status: { conditions: NodeCondition[] }, type: string): NodeCondition => status.conditions.find((c) => c.type === type)!;

test('a healthy node: upstream conditions, nodeInfo, addresses, daemon endpoint, events', () => {
  const { status, events } = buildNodeStatus(inputs());
  assert.deepEqual(status.conditions.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  assert.deepEqual(cond(status, 'Ready'), {
    type: 'Ready', status: 'True', lastHeartbeatTime: '2026-11-27T03:55:00Z', lastTransitionTime: '2026-11-27T03:55:00Z',
    reason: 'KubeletReady', message: 'kubelet is posting ready status',
  });
  assert.equal(cond(status, 'MemoryPressure').reason, 'KubeletHasSufficientMemory');
  assert.equal(cond(status, 'MemoryPressure').message, 'kubelet has sufficient memory available');
  assert.equal(cond(status, 'DiskPressure').reason, 'KubeletHasNoDiskPressure');
  assert.equal(cond(status, 'PIDPressure').reason, 'KubeletHasSufficientPID');
  assert.deepEqual(status.nodeInfo, {
    machineID: 'abc123', systemUUID: 'uuid-1', bootID: 'boot-1', kernelVersion: '6.1.0-18-amd64',
    osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://1.6.20', kubeletVersion: 'v1.32.0-berth',
    kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
  });
  assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(status.addresses.length, 2);
  assert.equal(status.capacity['ephemeral-storage'], '100Gi');
  assert.deepEqual(events.map((e) => e.reason), ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
});

test('runtime errors make the node NotReady with the runtime message; transition times move only on change', () => {
  const first = buildNodeStatus(inputs()).status;
  const later = new Date(t0.getTime() + 10_000);
  const net = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
  const { status, events } = buildNodeStatus(inputs({ now: later, previous: first, notReadyErrors: [net] }));
  const ready = cond(status, 'Ready');
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'KubeletNotReady');
  assert.equal(ready.message, net);
  assert.equal(ready.lastTransitionTime, '2026-11-27T03:55:10Z');
  const mem = cond(status, 'MemoryPressure');
  assert.equal(mem.lastHeartbeatTime, '2026-11-27T03:55:10Z');
  assert.equal(mem.lastTransitionTime, '2026-11-27T03:55:00Z');
  assert.deepEqual(events.map((e) => e.reason), ['NodeNotReady']);
  const two = buildNodeStatus(inputs({ notReadyErrors: ['container runtime is down', net] })).status;
  assert.equal(cond(two, 'Ready').message, `[container runtime is down, ${net}]`);
});

test('pressure conditions follow the hard eviction thresholds', () => {
  const base = inputs();
  const { status, events } = buildNodeStatus({
    ...base,
    previous: buildNodeStatus(base).status,
    observations: {
      memoryAvailableBytes: 50 * Mi, // < 100Mi
      nodefs: { capacityBytes: 100 * Gi, availableBytes: 9 * Gi, inodes: 1_000_000, inodesFree: 900_000 }, // < 10%
      pidMax: 1000,
      pidsRunning: 999,
    },
    settings: { ...base.settings, evictionHard: parseEvictionThresholds({ ...defaultEvictionHard, 'pid.available': '10%' }) },
  });
  assert.equal(cond(status, 'MemoryPressure').reason, 'KubeletHasInsufficientMemory');
  assert.equal(cond(status, 'DiskPressure').reason, 'KubeletHasDiskPressure');
  assert.equal(cond(status, 'DiskPressure').message, 'kubelet has disk pressure');
  assert.equal(cond(status, 'PIDPressure').reason, 'KubeletHasInsufficientPID');
  assert.equal(cond(status, 'Ready').status, 'True');
  assert.deepEqual(events.map((e) => e.reason), ['NodeHasInsufficientMemory', 'NodeHasDiskPressure', 'NodeHasInsufficientPID']);
  // inodes alone also mean disk pressure
  const inodes = buildNodeStatus(inputs({ observations: { ...base.observations, nodefs: { capacityBytes: 100 * Gi, availableBytes: 90 * Gi, inodes: 1000, inodesFree: 10 } } })).status;
  assert.equal(cond(inodes, 'DiskPressure').status, 'True');
});

test('conditions owned by others are kept; a controller-set Unknown is taken back with an event', () => {
  const previous = {
    conditions: [
      { type: 'NetworkUnavailable', status: 'False' as const, reason: 'RouteCreated' },
      { type: 'Ready', status: 'Unknown' as const, reason: 'NodeStatusUnknown', lastTransitionTime: '2026-01-01T00:00:00Z' },
    ],
  };
  const { status, events } = buildNodeStatus(inputs({ previous }));
  assert.deepEqual(status.conditions.map((c) => c.type), ['NetworkUnavailable', 'Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
  assert.equal(cond(status, 'NetworkUnavailable').reason, 'RouteCreated');
  assert.equal(cond(status, 'Ready').lastTransitionTime, '2026-11-27T03:55:00Z');
  assert.ok(events.some((e) => e.reason === 'NodeReady'));
});

test('images: at most 50, largest first, digests then tags (at most 5 names)', () => {
  const images = Array.from({ length: 60 }, (_, i) => ({ repoTags: [`localhost/img${i}:1`], repoDigests: [`localhost/img${i}@sha256:${i}`], size: 1000 + i }));
  images.push({ repoTags: ['a:1', 'a:2', 'a:3', 'a:4', 'a:5'], repoDigests: ['a@sha256:x'], size: 5000 });
  const { status } = buildNodeStatus(inputs({ images }));
  assert.equal(status.images.length, 50);
  assert.deepEqual(status.images[0], { names: ['a@sha256:x', 'a:1', 'a:2', 'a:3', 'a:4'], sizeBytes: 5000 });
  assert.deepEqual(status.images[1], { names: ['localhost/img59@sha256:59', 'localhost/img59:1'], sizeBytes: 1059 });
  assert.ok(status.images.every((img, i) => i === 0 || (img.sizeBytes ?? 0) <= (status.images[i - 1].sizeBytes ?? 0)));
  // images that could not be listed: the previous list stays
  const kept = buildNodeStatus(inputs({ images: undefined, previous: status })).status;
  assert.equal(kept.images.length, 50);
});

test('patch only when something changed or the report period passed', () => {
  const first = buildNodeStatus(inputs()).status;
  const heartbeatOnly = buildNodeStatus(inputs({ now: new Date(t0.getTime() + 10_000), previous: first })).status;
  assert.equal(nodeStatusChanged(first, heartbeatOnly), false);
  const base = { original: first, updated: heartbeatOnly, reportFrequencyMs: 300_000 };
  assert.equal(shouldPatchStatus({ ...base, lastReportAt: undefined, now: t0 }), true, 'first report');
  assert.equal(shouldPatchStatus({ ...base, lastReportAt: t0, now: new Date(t0.getTime() + 10_000) }), false);
  assert.equal(shouldPatchStatus({ ...base, lastReportAt: t0, now: new Date(t0.getTime() + 299_999) }), false);
  assert.equal(shouldPatchStatus({ ...base, lastReportAt: t0, now: new Date(t0.getTime() + 300_000) }), true, 'report period passed');
  const notReady = buildNodeStatus(inputs({ now: new Date(t0.getTime() + 10_000), previous: first, notReadyErrors: ['container runtime is down'] })).status;
  assert.equal(shouldPatchStatus({ ...base, updated: notReady, lastReportAt: t0, now: new Date(t0.getTime() + 10_000) }), true, 'Ready changed');
  const moreMemory = buildNodeStatus(inputs({ previous: first, machine: { ...machine, memoryCapacityBytes: 32 * Gi } })).status;
  assert.equal(nodeStatusChanged(first, moreMemory), true, 'capacity changed');
});
