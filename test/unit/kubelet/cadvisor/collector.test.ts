import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { CgroupReader } from '../../../../src/kubelet/cadvisor/cgroups.ts';
import { Collector, podRefs } from '../../../../src/kubelet/cadvisor/collector.ts';
import { StatsHistory } from '../../../../src/kubelet/cadvisor/history.ts';
import { parseCpuinfoKhz, realFilesystems } from '../../../../src/kubelet/cadvisor/machine.ts';
import { cgroupLayout, parseMountinfo, readCgroupLayout, type CgroupLayout } from '../../../../src/kubelet/cadvisor/mountinfo.ts';
import { dirUsage } from '../../../../src/kubelet/cadvisor/fs.ts';

const FIX = fileURLToPath(new URL('../../../fixtures/cgroup/', import.meta.url));

test('a housekeeping pass samples node, pod and container levels; unwatched containers leave', async () => {
  const clock = new FakeClock();
  const history = new StatsHistory();
  const layout: CgroupLayout = { version: 2, unified: { mountPoint: FIX + 'v2', root: '/' } };
  const reads: string[] = [];
  const collector = new Collector({
    reader: new CgroupReader(layout),
    history,
    clock,
    nodeRefs: [{ id: '/kubepods', cgroupPath: '/kubepods', pid: 1 }],
    readText: async (p) => {
      reads.push(p);
      return readFileSync(FIX + 'net-dev.txt', 'utf8');
    },
  });
  collector.setContainers([
    { id: 'c1', cgroupPath: '/kubepods/burstable/podabc/c1', podUid: 'abc', pid: 42 },
    { id: 'gone', cgroupPath: '/kubepods/burstable/podabc/gone', podUid: 'abc', pid: 43 },
  ]);
  const r = await collector.housekeep();
  assert.deepEqual(r.collected.sort(), ['/kubepods', '/kubepods/burstable/podabc', 'c1']);
  assert.deepEqual(r.missing, ['gone']);
  assert.deepEqual(r.errors, []);
  assert.ok(r.durationMs >= 0 && r.cpuMs >= 0);
  // The pod's namespace is read once, through its first container, and shared.
  assert.deepEqual(reads.sort(), ['/proc/1/net/dev', '/proc/42/net/dev']);
  assert.equal(history.latest('c1')!.network!.interfaces[0].rxBytes, 1000);
  assert.equal(history.latest('c1')!.memory.limitBytes, 268_435_456);

  collector.setContainers([]);
  await collector.housekeep();
  assert.deepEqual(history.keys(), ['/kubepods']);
});

test('run() keeps housekeeping every interval until aborted', async () => {
  const clock = new FakeClock();
  const history = new StatsHistory({ housekeepingIntervalMs: 10_000 });
  const layout: CgroupLayout = { version: 2, unified: { mountPoint: FIX + 'v2', root: '/' } };
  const collector = new Collector({ reader: new CgroupReader(layout), history, clock, nodeRefs: [{ id: '/kubepods', cgroupPath: '/kubepods' }] });
  const ac = new AbortController();
  let passes = 0;
  const done = collector.run(ac.signal, () => passes++);
  while (clock.waiting === 0) await new Promise((r) => setImmediate(r));
  assert.equal(passes, 1);
  await clock.advance(10_000);
  while (passes < 2) await new Promise((r) => setImmediate(r));
  assert.equal(history.samples('/kubepods').length, 2, 'time moved and counters did not fall: one series');
  ac.abort();
  await done;
  assert.equal(passes, 2);
});

test('podRefs: one pod level per UID, parent of its containers', () => {
  assert.deepEqual(podRefs([
    { id: 'a', cgroupPath: '/kubepods/pod1/a', podUid: '1' },
    { id: 'b', cgroupPath: '/kubepods/pod1/b', podUid: '1', pid: 7 },
    { id: 'x', cgroupPath: '/other/x' },
  ]), [{ id: '/kubepods/pod1', cgroupPath: '/kubepods/pod1', podUid: '1', pid: 7, pod: undefined, namespace: undefined }]);
});

test('dirUsage counts bytes and inodes, and stops at its cap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-du-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f'), Buffer.alloc(64 * 1024, 1));
    writeFileSync(join(dir, 'g'), 'x');
    const u = await dirUsage(dir);
    assert.equal(u.inodesUsed, 4);
    assert.ok(u.usedBytes >= 64 * 1024, `used ${u.usedBytes}`);
    assert.equal(u.truncated, false);
    assert.equal((await dirUsage(dir, { maxEntries: 1 })).truncated, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('machine: cpu MHz → kHz; real filesystems are disk-backed, one per device', () => {
  assert.equal(parseCpuinfoKhz('processor : 0\ncpu MHz\t\t: 2596.122\n'), 2_596_122);
  assert.equal(parseCpuinfoKhz(''), 0);
  const fss = realFilesystems(parseMountinfo(readFileSync(FIX + 'mountinfo-v1-hybrid.txt', 'utf8')));
  assert.deepEqual(fss.map((m) => [m.mountPoint, m.fsType]), [['/', 'ext4']]);
});

test('live: reads this process\'s own cgroup on the real machine', { skip: !existsSync('/sys/fs/cgroup') && '/sys/fs/cgroup is absent (no cgroup filesystem here)' }, async () => {
  const layout = await readCgroupLayout();
  assert.ok(layout, 'a cgroup layout is mounted');
  // This process's cgroup in the memory (v1) or unified (v2) hierarchy.
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((l) => l.split(':'));
  const line = layout.version === 1 ? own.find((f) => f[1]?.split(',').includes('memory')) : own.find((f) => f[0] === '0');
  const path = line?.[2] ?? '/';
  const s = await new CgroupReader(layout).read(path);
  assert.ok(s.memory.usageBytes > 0, 'memory in use');
  assert.ok(s.processes.count >= 1, 'at least this process');
  // The root cgroup carries all CPU time so far.
  const root = await new CgroupReader(layout).read('/');
  assert.ok(root.cpu.usageCoreNanoSeconds > 0);
  assert.ok(cgroupLayout(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))));
});

test('a pod and /kubepods count the processes of the containers under them', async () => {
  const { sumProcessesUnder } = await import('../../../../src/kubelet/cadvisor/collector.ts');
  const s = (count: number) => ({ processes: { count, threads: count } }) as unknown as import('../../../../src/kubelet/cadvisor/types.ts').ContainerStats;
  const c1 = { id: 'a', cgroupPath: '/kubepods/burstable/podu1/a', podUid: 'u1', name: 'a' };
  const c2 = { id: 'b', cgroupPath: '/kubepods/burstable/podu1/b', podUid: 'u1', name: 'b' };
  const c3 = { id: 'c', cgroupPath: '/kubepods/podu2/c', podUid: 'u2', name: 'c' };
  const samples = new Map([[c1, s(2)], [c2, s(3)], [c3, s(5)]]);
  assert.equal(sumProcessesUnder({ id: '/kubepods/burstable/podu1', cgroupPath: '/kubepods/burstable/podu1', podUid: 'u1' }, samples), 5);
  assert.equal(sumProcessesUnder({ id: '/kubepods', cgroupPath: '/kubepods' }, samples), 10);
  assert.equal(sumProcessesUnder({ id: '/kubepods/podu1', cgroupPath: '/kubepods/podu1' }, samples), 0, 'a prefix of a name is not a parent');
});
