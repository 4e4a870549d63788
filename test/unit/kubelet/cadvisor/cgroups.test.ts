import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CgroupNotFoundError, CgroupReader } from '../../../../src/kubelet/cadvisor/cgroups.ts';
import { cgroupDir, cgroupLayout, parseMountinfo, type CgroupLayout } from '../../../../src/kubelet/cadvisor/mountinfo.ts';
import { parseNetDev, memoryFromV1 } from '../../../../src/kubelet/cadvisor/parse.ts';

const FIX = fileURLToPath(new URL('../../../fixtures/cgroup/', import.meta.url));
const CONTAINER = '/kubepods/burstable/podabc/c1';

test('mountinfo of this machine (v1, cpu and cpuacct apart, empty cgroup2) gives a v1 layout', () => {
  const mounts = parseMountinfo(readFileSync(FIX + 'mountinfo-v1-hybrid.txt', 'utf8'));
  assert.equal(mounts.length, 15);
  assert.equal(mounts.at(-1)!.mountPoint, '/tmp/a b', 'octal escapes are decoded');
  const layout = cgroupLayout(mounts);
  assert.equal(layout?.version, 1);
  if (layout?.version !== 1) return;
  assert.equal(layout.controllers.cpu.mountPoint, '/sys/fs/cgroup/cpu');
  assert.equal(layout.controllers.cpuacct.mountPoint, '/sys/fs/cgroup/cpuacct');
  assert.equal(layout.controllers.memory.mountPoint, '/sys/fs/cgroup/memory');
  assert.equal(layout.controllers.pids.mountPoint, '/sys/fs/cgroup/pids');
  assert.equal(layout.controllers['name=systemd'], undefined);
});

test('mountinfo of a pure v2 machine gives the unified layout', () => {
  const layout = cgroupLayout(parseMountinfo(readFileSync(FIX + 'mountinfo-v2.txt', 'utf8')));
  assert.deepEqual(layout, { version: 2, unified: { mountPoint: '/sys/fs/cgroup', root: '/' } });
  assert.equal(cgroupLayout(parseMountinfo('22 28 0:21 / /proc rw - proc proc rw\n')), undefined);
});

test('a combined cpu,cpuacct mount serves both controllers; a non-root mount strips its root', () => {
  const layout = cgroupLayout(parseMountinfo('5 1 0:9 /kubepods/pod1 /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n'));
  assert.equal(layout?.version, 1);
  if (layout?.version !== 1) return;
  assert.deepEqual(layout.controllers.cpu, layout.controllers.cpuacct);
  assert.equal(cgroupDir(layout.controllers.cpu, '/kubepods/pod1/c1'), '/sys/fs/cgroup/cpu,cpuacct/c1');
  assert.equal(cgroupDir({ mountPoint: '/m', root: '/' }, '/'), '/m');
});

test('v1 fixture tree reads back into the right numbers', async () => {
  const v1 = FIX + 'v1/';
  const mount = (c: string) => ({ mountPoint: v1 + c, root: '/' });
  const layout: CgroupLayout = { version: 1, controllers: { cpu: mount('cpu'), cpuacct: mount('cpuacct'), memory: mount('memory'), pids: mount('pids') } };
  const s = await new CgroupReader(layout).read(CONTAINER);
  assert.deepEqual(s.cpu, {
    usageCoreNanoSeconds: 1_500_000_000,
    userNanoSeconds: 1_000_000_000, // 100 ticks at USER_HZ 100
    systemNanoSeconds: 500_000_000,
    perCpuNanoSeconds: [1_000_000_000, 500_000_000],
    throttling: { periods: 100, throttledPeriods: 25, throttledTimeNanoSeconds: 5_000_000_000 },
  });
  assert.deepEqual(s.memory, {
    usageBytes: 209_715_200,
    workingSetBytes: 209_715_200 - 4_194_304,
    rssBytes: 199_229_440,
    cacheBytes: 10_485_760,
    pageFaults: 1234,
    majorPageFaults: 5,
    oomEvents: 2,
    underOom: false,
  });
  assert.equal('limitBytes' in s.memory, false, "v1's 2^63 sentinel means no limit");
  assert.deepEqual(s.processes, { count: 2, threads: 3 });
  await assert.rejects(new CgroupReader(layout).read('/kubepods/gone'), CgroupNotFoundError);
});

test('v2 fixture tree reads back into the right numbers', async () => {
  const layout: CgroupLayout = { version: 2, unified: { mountPoint: FIX + 'v2', root: '/' } };
  const reader = new CgroupReader(layout);
  const s = await reader.read(CONTAINER);
  assert.deepEqual(s.cpu, {
    usageCoreNanoSeconds: 2_500_000_000,
    userNanoSeconds: 2_000_000_000,
    systemNanoSeconds: 500_000_000,
    throttling: { periods: 40, throttledPeriods: 4, throttledTimeNanoSeconds: 1_500_000 },
  });
  assert.deepEqual(s.memory, {
    usageBytes: 104_857_600,
    workingSetBytes: 104_857_600 - 8_388_608,
    rssBytes: 94_371_840,
    cacheBytes: 10_485_760,
    pageFaults: 77,
    majorPageFaults: 1,
    oomEvents: 1,
    limitBytes: 268_435_456,
    availableBytes: 268_435_456 - (104_857_600 - 8_388_608),
  });
  assert.deepEqual(s.processes, { count: 1, threads: 2 }, 'no pids.current: cgroup.threads lines');
  // The parent counts its descendants' processes; "max" is no limit.
  const parent = await reader.read('/kubepods');
  assert.equal(parent.memory.limitBytes, undefined);
  assert.equal(parent.processes.count, 1);
});

test('working set floors at 0 when inactive_file exceeds usage', () => {
  const m = memoryFromV1({ usage: '100', stat: 'total_inactive_file 500\n', limit: '1000' });
  assert.equal(m.workingSetBytes, 0);
  assert.equal(m.availableBytes, 1000);
});

test('/proc/<pid>/net/dev parses per interface, lo excluded', () => {
  const ifs = parseNetDev(readFileSync(FIX + 'net-dev.txt', 'utf8'));
  assert.deepEqual(ifs, [{ name: 'eth0', rxBytes: 1000, rxPackets: 10, rxErrors: 1, rxDropped: 2, txBytes: 2000, txPackets: 20, txErrors: 3, txDropped: 4 }]);
});

test('cpuacct.usage_all gives per-core totals and the user/system split in nanoseconds', async () => {
  const { parseUsageAll, cpuFromV1 } = await import('../../../../src/kubelet/cadvisor/parse.ts');
  const text = 'cpu user system\n0 300 100\n1 50 50\n';
  assert.deepEqual(parseUsageAll(text), { perCpu: [400, 100], user: 350, system: 150 });
  assert.equal(parseUsageAll('0 1 2\n'), undefined, 'no header: not usage_all');
  const cpu = cpuFromV1({ usageAll: text, cpuStat: 'nr_periods 4\nnr_throttled 1\nthrottled_time 9\n' });
  assert.equal(cpu.usageCoreNanoSeconds, 500);
  assert.deepEqual([cpu.userNanoSeconds, cpu.systemNanoSeconds, cpu.perCpuNanoSeconds], [350, 150, [400, 100]]);
  assert.deepEqual(cpu.throttling, { periods: 4, throttledPeriods: 1, throttledTimeNanoSeconds: 9 });
});
