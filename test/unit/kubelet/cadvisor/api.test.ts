// The pure mapping from the collector's samples to cAdvisor's v1/v2 JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRef, ContainerStats } from '../../../../src/kubelet/cadvisor/types.ts';
import { containerInfoV1, cpuSpec, lastN, machineInfoV1, specV1, specV2, statsV1, statsV2 } from '../../../../src/kubelet/cadvisor/api.ts';
import { machine } from '../../statsui/fake_source.ts';

const sample = (over: Partial<ContainerStats> = {}): ContainerStats => ({
  timestamp: new Date('2024-05-01T10:00:10.000Z'),
  cpu: { usageNanoCores: 520_000_000, usageCoreNanoSeconds: 9_000, userNanoSeconds: 6_000, systemNanoSeconds: 3_000, perCpuNanoSeconds: [4_000, 5_000], throttling: { periods: 10, throttledPeriods: 2, throttledTimeNanoSeconds: 777 } },
  memory: { usageBytes: 300, workingSetBytes: 200, rssBytes: 150, cacheBytes: 100, pageFaults: 40, majorPageFaults: 4, oomEvents: 1, limitBytes: 1000, availableBytes: 800 },
  network: {
    interfaces: [
      { name: 'eth0', rxBytes: 11, rxPackets: 12, rxErrors: 13, rxDropped: 14, txBytes: 21, txPackets: 22, txErrors: 23, txDropped: 24, rxBytesPerSecond: 5 },
      { name: 'eth1', rxBytes: 1, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 1, txPackets: 1, txErrors: 0, txDropped: 0 },
    ],
  },
  processes: { count: 3, threads: 9 },
  fs: {
    usage: { usedBytes: 4096, inodesUsed: 3, truncated: false },
    rootfs: { usedBytes: 8192, inodesUsed: 5, truncated: false },
    capacity: { capacityBytes: 1e9, availableBytes: 6e8, usedBytes: 4e8, inodes: 1000, inodesFree: 900, inodesUsed: 100 },
  },
  ...over,
});

const container: ContainerRef = {
  id: 'abc123',
  cgroupPath: '/kubepods/burstable/podU/abc123',
  podUid: 'U',
  pod: 'web',
  namespace: 'default',
  name: 'nginx',
  image: 'nginx:1',
  createdAt: new Date('2024-05-01T09:00:00Z'),
};

test('cpuSpec converts requests to shares and limits to CFS quota as upstream', () => {
  assert.deepEqual(cpuSpec({ requestMilli: 250, limitMilli: 500 }), { limit: 256, max_limit: 500, quota: 50_000, period: 100_000 });
  assert.deepEqual(cpuSpec({}), { limit: 2, max_limit: 0 });
  assert.deepEqual(cpuSpec({ requestMilli: 1 }), { limit: 2, max_limit: 0 });
  assert.deepEqual(cpuSpec(undefined), { limit: 1024, max_limit: 0 });
});

test('machine info carries cAdvisor v1 field names', () => {
  const m = machineInfoV1(machine);
  assert.equal(m.num_cores, 2);
  assert.equal(m.cpu_frequency_khz, 2_600_000);
  assert.equal(m.memory_capacity, 8 * 1024 ** 3);
  assert.equal(m.machine_id, 'machine-1');
  assert.equal(m.system_uuid, 'uuid-1');
  assert.equal(m.boot_id, 'boot-1');
  assert.deepEqual(m.hugepages, [{ page_size: 2048, num_pages: 4 }]);
  assert.deepEqual(m.filesystems, [{ device: '/dev/sda1', capacity: 100 * 1024 ** 3, type: 'ext4', inodes: 6_000_000, has_inodes: true }]);
});

test('statsV1 maps cpu, memory, network, filesystem and processes', () => {
  const s = statsV1(sample()) as any;
  assert.equal(s.timestamp, '2024-05-01T10:00:10.000Z');
  assert.deepEqual(s.cpu.usage, { total: 9_000, user: 6_000, system: 3_000, per_cpu_usage: [4_000, 5_000] });
  assert.deepEqual(s.cpu.cfs, { periods: 10, throttled_periods: 2, throttled_time: 777 });
  assert.equal(s.memory.usage, 300);
  assert.equal(s.memory.working_set, 200);
  assert.equal(s.memory.rss, 150);
  assert.equal(s.memory.cache, 100);
  assert.deepEqual(s.memory.container_data, { pgfault: 40, pgmajfault: 4 });
  // The first interface inline, as cAdvisor does, and all of them listed.
  assert.equal(s.network.name, 'eth0');
  assert.equal(s.network.rx_bytes, 11);
  assert.equal(s.network.tx_dropped, 24);
  assert.deepEqual(
    s.network.interfaces.map((i: any) => i.name),
    ['eth0', 'eth1'],
  );
  assert.deepEqual(s.filesystem, [{ type: 'vfs', capacity: 1e9, usage: 12_288, base_usage: 8192, available: 6e8, has_inodes: true, inodes: 1000, inodes_free: 900 }]);
  assert.deepEqual(s.processes, { process_count: 3, fd_count: 0, socket_count: 0, threads_current: 9 });
  assert.equal(s.oom_events, 1);
});

test('statsV1 leaves out what a sample lacks; a node-level filesystem reports the whole disk', () => {
  const bare = statsV1(sample({ network: undefined, fs: undefined, cpu: { ...sample().cpu, perCpuNanoSeconds: undefined } })) as any;
  assert.equal(bare.network, undefined);
  assert.equal(bare.filesystem, undefined);
  assert.equal(bare.cpu.usage.per_cpu_usage, undefined);
  const node = statsV1(sample({ fs: { capacity: sample().fs!.capacity } })) as any;
  assert.equal(node.filesystem[0].usage, 4e8);
});

test('statsV2 adds has_* flags and the instantaneous CPU rate, keeps the last count samples', () => {
  const samples = [sample({ timestamp: new Date(1000), cpu: { ...sample().cpu, usageNanoCores: undefined } }), sample({ timestamp: new Date(2000) }), sample({ timestamp: new Date(3000), network: undefined })];
  const out = statsV2(samples, 2) as any[];
  assert.equal(out.length, 2);
  assert.equal(out[0].timestamp, new Date(2000).toISOString());
  assert.deepEqual(out[0].cpu_inst, { usage: { total: 520_000_000, user: 0, system: 0 } });
  assert.equal(out[0].has_network, true);
  assert.deepEqual(
    out[0].network.interfaces.map((i: any) => i.name),
    ['eth0', 'eth1'],
  );
  assert.equal(out[1].has_network, false);
  assert.equal(out[1].network, undefined);
  assert.equal(statsV2(samples, 64)[0].cpu_inst, undefined, 'first sample has no rate');
});

test('spec names the container as containerd does, with its labels, image and memory limit', () => {
  const spec = specV1(container, [sample()], { requestMilli: 250, limitMilli: 500 }) as any;
  assert.equal(spec.creation_time, '2024-05-01T09:00:00.000Z');
  assert.deepEqual(spec.labels, {
    'io.kubernetes.pod.uid': 'U',
    'io.kubernetes.pod.name': 'web',
    'io.kubernetes.pod.namespace': 'default',
    'io.kubernetes.container.name': 'nginx',
  });
  assert.equal(spec.image, 'nginx:1');
  assert.deepEqual(spec.memory, { limit: 1000 });
  assert.equal(spec.cpu.max_limit, 500);
  assert.equal(spec.has_network, true);
  assert.equal(spec.has_filesystem, true);
  const v2 = specV2(container, [sample()]) as any;
  assert.deepEqual(v2.aliases, ['abc123']);
  assert.equal(v2.namespace, 'containerd');
  const unlimited = specV1({ id: '/', cgroupPath: '/' }, [sample({ memory: { ...sample().memory, limitBytes: undefined } })]) as any;
  assert.deepEqual(unlimited.memory, {});
  assert.equal(unlimited.labels, undefined);
});

test('containerInfoV1 lists subcontainers by name and the last num_stats samples', () => {
  const info = containerInfoV1({ id: '/kubepods', cgroupPath: '/kubepods' }, [sample(), sample()], [container], 1) as any;
  assert.equal(info.name, '/kubepods');
  assert.equal(info.id, undefined);
  assert.deepEqual(info.subcontainers, [{ name: container.cgroupPath, id: 'abc123', aliases: ['abc123'], namespace: 'containerd' }]);
  assert.equal(info.stats.length, 1);
  assert.equal((containerInfoV1(container, [], [], 60) as any).stats, undefined);
});

test('lastN: negative means all, zero none', () => {
  assert.deepEqual(lastN([1, 2, 3], 2), [2, 3]);
  assert.deepEqual(lastN([1, 2, 3], -1), [1, 2, 3]);
  assert.deepEqual(lastN([1, 2, 3], 0), []);
  assert.deepEqual(lastN([1, 2, 3], 10), [1, 2, 3]);
});
