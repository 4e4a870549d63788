// The container manager's decisions (pod, QoS and node allocatable cgroup values, as upstream's
// pkg/kubelet/cm), the files they become on cgroup v1 and v2, the cgroupfs driver against a
// cgroup v2 tree in a temporary directory, and the manager's QoS updates as pods come and go.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from '../../../../src/api/core/index.ts';
import { parseQuantity } from '../../../../src/api/quantity.ts';
import {
  cgroupFiles, cgroupVersion, ContainerManager, cpuMax, cpuSharesToWeight, createCgroupfs, nodeAllocatableConfig, podCgroupParent,
  podRequests, podResourceConfig, qosResourceConfigs, type Cgroupfs, type ResourceConfig,
} from '../../../../src/kubelet/cm/index.ts';
import { FakeClock } from '../../../../src/kubelet/clock.ts';

const MiB = 1024 * 1024;

function ctr(name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: Partial<Container> = {}): Container {
  return { name, image: 'x', resources: { ...(requests && { requests }), ...(limits && { limits }) }, ...extra };
}

function mkPod(uid: string, containers: Container[], extra: Partial<Pod['spec']> = {}): Pod {
  return { metadata: { name: uid, namespace: 'default', uid }, spec: { containers, ...extra } } as Pod;
}

describe('pod cgroup values (ResourceConfigForPod)', () => {
  test('Guaranteed: shares, quota and period, memory from the sums', () => {
    const p = mkPod('g', [ctr('a', undefined, { cpu: '500m', memory: '64Mi' }), ctr('b', undefined, { cpu: '250m', memory: '32Mi' })]);
    assert.deepEqual(podResourceConfig(p), { cpuShares: 768, cpuQuota: 75_000, cpuPeriod: 100_000, memory: 96 * MiB });
    assert.equal(podCgroupParent(p), '/kubepods/podg');
  });

  test('Burstable with every limit set: the issue\'s pod (100m/200m, 64Mi) gets shares 102, quota 20000, 64Mi', () => {
    const p = mkPod('b', [ctr('a', { cpu: '100m' }, { cpu: '200m', memory: '64Mi' })]);
    assert.deepEqual(podResourceConfig(p), { cpuShares: 102, cpuQuota: 20_000, cpuPeriod: 100_000, memory: 64 * MiB });
    assert.equal(podCgroupParent(p), '/kubepods/burstable/podb');
  });

  test('Burstable with partial limits: quota only when every container has a CPU limit, memory likewise', () => {
    const p = mkPod('b', [ctr('a', { cpu: '100m' }, { cpu: '200m' }), ctr('b', { cpu: '50m' }, { memory: '10Mi' })]);
    assert.deepEqual(podResourceConfig(p), { cpuShares: 153 });
    const memOnly = mkPod('m', [ctr('a', { cpu: '100m' }, { memory: '10Mi' }), ctr('b', undefined, { memory: '20Mi' })]);
    assert.deepEqual(podResourceConfig(memOnly), { cpuShares: 102, memory: 30 * MiB });
  });

  test('BestEffort: 2 shares and nothing else', () => {
    const p = mkPod('e', [ctr('a')]);
    assert.deepEqual(podResourceConfig(p), { cpuShares: 2 });
    assert.equal(podCgroupParent(p), '/kubepods/besteffort/pode');
  });

  test('init containers: the larger of the largest init container and the sum of the others; an init container without a limit drops the quota', () => {
    const p = mkPod('i', [ctr('a', { cpu: '100m' }, { cpu: '200m', memory: '10Mi' }), ctr('b', { cpu: '100m' }, { cpu: '200m', memory: '10Mi' })], {
      initContainers: [ctr('init', { cpu: '1' }, { cpu: '1', memory: '50Mi' })],
    });
    assert.deepEqual(podRequests(p), { cpu: 1000, memory: 50 * MiB });
    assert.deepEqual(podResourceConfig(p), { cpuShares: 1024, cpuQuota: 100_000, cpuPeriod: 100_000, memory: 50 * MiB });
    const noLimit = mkPod('j', [ctr('a', { cpu: '100m' }, { cpu: '200m' })], { initContainers: [ctr('init', { cpu: '50m' })] });
    assert.deepEqual(podResourceConfig(noLimit), { cpuShares: 102 });
  });

  test('restartable init containers (sidecars) add to the sum and to the init containers after them', () => {
    const p = mkPod('s', [ctr('a', { cpu: '100m' })], {
      initContainers: [ctr('side', { cpu: '200m' }, undefined, { restartPolicy: 'Always' }), ctr('init', { cpu: '500m' })],
    });
    // sum: 100 + 200 = 300; init: 500 + 200 (the sidecar before it) = 700
    assert.equal(podRequests(p).cpu, 700);
  });

  test('pod overhead: added to requests, and to limits that are set', () => {
    const p = mkPod('o', [ctr('a', undefined, { cpu: '1', memory: '100Mi' })], { overhead: { cpu: '250m', memory: '20Mi' } });
    assert.deepEqual(podResourceConfig(p), { cpuShares: 1280, cpuQuota: 125_000, cpuPeriod: 100_000, memory: 120 * MiB });
  });

  test('podPidsLimit becomes the pod\'s pids limit; cpuCFSQuota false leaves the quota unlimited', () => {
    const p = mkPod('g', [ctr('a', undefined, { cpu: '1', memory: '1Gi' })]);
    assert.equal(podResourceConfig(p, { podPidsLimit: 1024 }).pidsLimit, 1024);
    assert.equal(podResourceConfig(p, { podPidsLimit: -1 }).pidsLimit, undefined);
    assert.equal(podResourceConfig(p, { enforceCPULimits: false }).cpuQuota, -1);
  });
});

describe('QoS and node allocatable cgroup values', () => {
  test('BestEffort 2 shares; Burstable the shares of its pods\' CPU requests (Guaranteed and BestEffort pods not counted)', () => {
    const pods = [
      mkPod('b1', [ctr('a', { cpu: '100m' })]),
      mkPod('b2', [ctr('a', { cpu: '250m', memory: '1Mi' })]),
      mkPod('g', [ctr('a', undefined, { cpu: '2', memory: '1Gi' })]),
      mkPod('e', [ctr('a')]),
    ];
    assert.deepEqual(qosResourceConfigs(pods), { besteffort: { cpuShares: 2 }, burstable: { cpuShares: 358 } });
    assert.deepEqual(qosResourceConfigs([]), { besteffort: { cpuShares: 2 }, burstable: { cpuShares: 2 } });
  });

  test('kubepods: capacity minus kube- and system-reserved (eviction thresholds not taken out); capacity when not enforced', () => {
    const capacity = { cpuMilli: 4000, memoryBytes: 8192 * MiB, pids: 4_194_304 };
    const kube = { cpu: parseQuantity('500m'), memory: parseQuantity('512Mi'), pid: parseQuantity('1000') };
    const system = { cpu: parseQuantity('500m'), memory: parseQuantity('1Gi') };
    assert.deepEqual(nodeAllocatableConfig(capacity, [kube, system], true), { cpuShares: 3072, memory: 6656 * MiB, pidsLimit: 4_193_304 });
    assert.deepEqual(nodeAllocatableConfig(capacity, [kube, system], false), { cpuShares: 4096, memory: 8192 * MiB, pidsLimit: 4_194_304 });
    assert.deepEqual(nodeAllocatableConfig({ cpuMilli: 1000, memoryBytes: MiB }, [{ memory: parseQuantity('2Mi') }], true), { cpuShares: 1024, memory: 0 });
  });
});

describe('cgroup files per version', () => {
  const guaranteed: ResourceConfig = { cpuShares: 102, cpuQuota: 20_000, cpuPeriod: 100_000, memory: 64 * MiB, pidsLimit: 100 };

  test('v1: cpu.shares, the period before the quota, memory.limit_in_bytes, pids.max', () => {
    assert.deepEqual(cgroupFiles(guaranteed, 1).map((f) => `${f.controller}/${f.name}=${f.value}`), [
      'cpu/cpu.shares=102', 'cpu/cpu.cfs_period_us=100000', 'cpu/cpu.cfs_quota_us=20000', `memory/memory.limit_in_bytes=${64 * MiB}`, 'pids/pids.max=100',
    ]);
    assert.deepEqual(cgroupFiles({ cpuQuota: -1, cpuPeriod: 100_000 }, 1).map((f) => f.value), ['100000', '-1']);
  });

  test('v2: cpu.weight (runc\'s conversion), cpu.max, memory.max, pids.max', () => {
    assert.deepEqual(cgroupFiles(guaranteed, 2).map((f) => `${f.name}=${f.value}`), ['cpu.weight=4', 'cpu.max=20000 100000', `memory.max=${64 * MiB}`, 'pids.max=100']);
    assert.deepEqual(cgroupFiles({ cpuShares: 2 }, 2).map((f) => `${f.name}=${f.value}`), ['cpu.weight=1']);
  });

  test('conversions: shares to weight over the whole range; cpu.max with and without a quota', () => {
    assert.deepEqual([2, 1024, 262144, 0].map(cpuSharesToWeight), [1, 39, 10000, 0]);
    assert.equal(cpuMax(-1, 100_000), 'max 100000');
    assert.equal(cpuMax(50_000, 100_000), '50000 100000');
    assert.equal(cpuMax(undefined, undefined), undefined);
  });
});

/** A cgroup v2 tree as the kernel shows it: cgroup.controllers at the root, no per-controller mounts. */
function v2Tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-cgroup2-'));
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  return root;
}

/** Levels as the kernel makes them: each with cgroup.controllers (its parent's enabled ones). */
function childControllers(root: string, path: string): void {
  let dir = root;
  for (const part of path.split('/').filter(Boolean)) {
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
  }
}

describe('the cgroupfs driver on cgroup v2 (a temporary tree)', () => {
  test('makes the pod cgroup with its parents\' controllers enabled, writes the v2 files, removes it', async () => {
    const root = v2Tree();
    try {
      assert.equal(cgroupVersion(root), 2);
      const fs = createCgroupfs(root);
      assert.equal(fs.version, 2);
      // The kernel would make cgroup.controllers appear in each level: pre-create them as it would.
      childControllers(root, '/kubepods/burstable');
      const p = mkPod('b', [ctr('a', { cpu: '100m' }, { cpu: '200m', memory: '64Mi' })]);
      await fs.apply(podCgroupParent(p), podResourceConfig(p, { podPidsLimit: 512 }));
      const dir = join(root, 'kubepods/burstable/podb');
      const read = (f: string) => readFileSync(join(dir, f), 'utf8');
      assert.deepEqual([read('cpu.weight'), read('cpu.max'), read('memory.max'), read('pids.max')], ['4', '20000 100000', String(64 * MiB), '512']);
      assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+cpuset +cpu +io +memory +hugetlb +pids');
      assert.equal(readFileSync(join(root, 'kubepods/burstable/cgroup.subtree_control'), 'utf8'), '+cpuset +cpu +io +memory +hugetlb +pids');
      assert.equal(existsSync(join(dir, 'cpu.shares')), false, 'no v1 file on v2');
      // The kernel removes a cgroup's files with it; rmdir of a directory of plain files would not.
      for (const f of ['cpu.weight', 'cpu.max', 'memory.max', 'pids.max']) rmSync(join(dir, f));
      await fs.remove(podCgroupParent(p));
      assert.equal(existsSync(dir), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/** A driver that remembers what was applied and removed. */
function recordingCgroupfs(): Cgroupfs & { applied: Map<string, ResourceConfig>; removed: string[] } {
  const applied = new Map<string, ResourceConfig>();
  const removed: string[] = [];
  return {
    version: 1, applied, removed,
    async apply(path, config) { applied.set(path, config); },
    async remove(path) { removed.push(path); applied.delete(path); },
  };
}

describe('the container manager', () => {
  const quiet = { info() {}, error() {}, warn() {}, debug() {}, v: () => quiet } as never;

  function manager(pods: Pod[], events: string[], cgroups = recordingCgroupfs()) {
    const cm = new ContainerManager({
      cgroups,
      capacity: { cpuMilli: 2000, memoryBytes: 4096 * MiB, pids: 32768 },
      kubeReserved: { memory: parseQuantity('256Mi') },
      systemReserved: {},
      enforceNodeAllocatable: ['pods'],
      pod: { podPidsLimit: 100 },
      activePods: () => pods,
      nodeEvent: (type, reason) => events.push(`${type} ${reason}`),
      clock: new FakeClock(),
      log: quiet,
    });
    return { cm, cgroups };
  }

  test('the Burstable shares follow its pods as they come and go; the pod cgroup is removed', async () => {
    const pods: Pod[] = [];
    const { cm, cgroups } = manager(pods, []);
    const a = mkPod('a', [ctr('c', { cpu: '500m' })]);
    pods.push(a);
    await cm.podCgroups.ensure(a);
    assert.deepEqual(cgroups.applied.get('/kubepods/burstable'), { cpuShares: 512 });
    assert.deepEqual(cgroups.applied.get('/kubepods/besteffort'), { cpuShares: 2 });
    assert.deepEqual(cgroups.applied.get('/kubepods/burstable/poda'), { cpuShares: 512, pidsLimit: 100 });
    pods.pop();
    await cm.podCgroups.remove(a);
    assert.deepEqual(cgroups.removed, ['/kubepods/burstable/poda']);
    assert.deepEqual(cgroups.applied.get('/kubepods/burstable'), { cpuShares: 2 });
  });

  test('kubepods is set at allocatable and NodeAllocatableEnforced follows; a failure is a warning instead', async () => {
    const events: string[] = [];
    const { cm, cgroups } = manager([], events);
    const stop = new AbortController();
    stop.abort();
    await cm.run(stop.signal);
    assert.deepEqual(cgroups.applied.get('/kubepods'), { cpuShares: 2048, memory: 3840 * MiB, pidsLimit: 32768 });
    assert.deepEqual(events, ['Normal NodeAllocatableEnforced']);

    const failing = recordingCgroupfs();
    failing.apply = async () => { throw new Error('EBUSY'); };
    const events2: string[] = [];
    await manager([], events2, failing).cm.run(stop.signal);
    assert.deepEqual(events2, ['Warning FailedNodeAllocatableEnforcement']);
  });
});
