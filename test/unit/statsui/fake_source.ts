// A synthetic StatsSource for the stats UI tests: a node with two pods (web: two containers with
// probes and a restart; db: one container), samples kept in the real StatsHistory so rates are
// derived as in the kubelet. tick() adds one housekeeping pass and fires the listeners.
import { StatsHistory } from '../../../src/kubelet/cadvisor/history.ts';
import type { CadvisorMachineInfo } from '../../../src/kubelet/cadvisor/machine.ts';
import type { ContainerRef, ContainerStats } from '../../../src/kubelet/cadvisor/types.ts';
import type { Pod, PodSpec, PodStatus } from '../../../src/api/core/index.ts';
import type { StatsSource, Summary } from '../../../src/kubelet/stats/types.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Per ref: the CPU rate (cores) and working set it shows, and whether it has fs/network. */
interface Profile {
  cores: number;
  memory: number;
  limit?: number;
  net?: boolean;
  fs?: number;
}

export interface FakeSource extends StatsSource {
  /** Adds one sample per ref at the next interval and fires the housekeeping listeners. */
  tick(): void;
  /** Replaces a ref's CPU rate from the next tick. */
  setCores(refId: string, cores: number): void;
  listeners(): number;
  podList: Pod[];
}

const WEB_UID = 'uid-web';
const DB_UID = 'uid-db';
export const WEB_CGROUP = `/kubepods/burstable/pod${WEB_UID}`;
export const DB_CGROUP = `/kubepods/besteffort/pod${DB_UID}`;

export const machine: CadvisorMachineInfo = {
  numCores: 2,
  memoryCapacityBytes: 8 * GiB,
  hugepages: { 'hugepages-2Mi': 4 * 2 * MiB },
  machineID: 'machine-1',
  systemUUID: 'uuid-1',
  bootID: 'boot-1',
  kernelVersion: '6.1.0-test',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  operatingSystem: 'linux',
  architecture: 'amd64',
  cpuFrequencyKhz: 2_600_000,
  filesystems: [{ device: '/dev/sda1', mountPoint: '/', type: 'ext4', capacityBytes: 100 * GiB, inodes: 6_000_000 }],
};

export const refs: ContainerRef[] = [
  { id: '/', cgroupPath: '/', pid: 1 },
  { id: '/kubepods', cgroupPath: '/kubepods' },
  { id: WEB_CGROUP, cgroupPath: WEB_CGROUP, podUid: WEB_UID, pod: 'web', namespace: 'default' },
  { id: 'c-nginx', cgroupPath: `${WEB_CGROUP}/c-nginx`, podUid: WEB_UID, pod: 'web', namespace: 'default', name: 'nginx', image: 'localhost/nginx:1', createdAt: new Date('2024-01-01T00:00:00Z') },
  { id: 'c-sidecar', cgroupPath: `${WEB_CGROUP}/c-sidecar`, podUid: WEB_UID, pod: 'web', namespace: 'default', name: 'sidecar', image: 'evil<img src=x onerror="window.__pwned=1">' },
  { id: DB_CGROUP, cgroupPath: DB_CGROUP, podUid: DB_UID, pod: 'db-0', namespace: 'kube-system' },
  { id: 'c-db', cgroupPath: `${DB_CGROUP}/c-db`, podUid: DB_UID, pod: 'db-0', namespace: 'kube-system', name: 'db', image: 'localhost/db:2' },
];

const PROFILES: Record<string, Profile> = {
  '/': { cores: 1.7, memory: 2 * GiB, net: true },
  '/kubepods': { cores: 1.6, memory: 1.2 * GiB },
  [WEB_CGROUP]: { cores: 0.52, memory: 201 * MiB, limit: 512 * MiB, net: true },
  'c-nginx': { cores: 0.5, memory: 180 * MiB, limit: 256 * MiB, fs: 12 * MiB },
  'c-sidecar': { cores: 0.02, memory: 21 * MiB, limit: 256 * MiB, fs: 3 * MiB },
  [DB_CGROUP]: { cores: 1.1, memory: 900 * MiB, net: true },
  'c-db': { cores: 1.1, memory: 900 * MiB, fs: 40 * MiB },
};

const pod = (namespace: string, name: string, uid: string, spec: PodSpec, status: PodStatus): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, uid },
  spec,
  status,
});

function pods(): Pod[] {
  const running = { running: { startedAt: '2024-01-01T00:00:00Z' } };
  return [
    pod(
      'default',
      'web',
      WEB_UID,
      {
        containers: [
          {
            name: 'nginx',
            image: 'localhost/nginx:1',
            resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
            livenessProbe: { tcpSocket: { port: 8080 } },
          },
          { name: 'sidecar', image: 'evil<img src=x onerror="window.__pwned=1">', resources: { limits: { cpu: '100m', memory: '256Mi' } } },
        ],
      },
      {
        phase: 'Running',
        podIP: '10.88.0.5',
        qosClass: 'Burstable',
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
        containerStatuses: [
          { name: 'nginx', ready: true, started: true, restartCount: 0, image: 'localhost/nginx:1', imageID: '', state: running, lastState: {} },
          { name: 'sidecar', ready: false, started: true, restartCount: 2, image: 'x', imageID: '', state: running, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } },
        ],
      },
    ),
    pod(
      'kube-system',
      'db-0',
      DB_UID,
      { containers: [{ name: 'db', image: 'localhost/db:2' }] },
      { phase: 'Running', qosClass: 'BestEffort', containerStatuses: [{ name: 'db', ready: true, started: true, restartCount: 0, image: '', imageID: '', state: running, lastState: {} }] },
    ),
  ];
}

/** A sample of a profile at pass i (cumulative counters grow by rate × interval). */
function sampleAt(p: Profile, cumulativeCpuNs: number, i: number, t: Date, intervalS: number): ContainerStats {
  const s: ContainerStats = {
    timestamp: t,
    cpu: { usageCoreNanoSeconds: cumulativeCpuNs, userNanoSeconds: Math.round(cumulativeCpuNs * 0.7), systemNanoSeconds: Math.round(cumulativeCpuNs * 0.3), perCpuNanoSeconds: [Math.round(cumulativeCpuNs / 2), Math.round(cumulativeCpuNs / 2)], throttling: { periods: i * 10, throttledPeriods: i, throttledTimeNanoSeconds: i * 1000 } },
    memory: { usageBytes: p.memory + 10 * MiB, workingSetBytes: p.memory + (i % 3) * MiB, rssBytes: p.memory - MiB, cacheBytes: 11 * MiB, pageFaults: 100 * (i + 1), majorPageFaults: i, oomEvents: 0 },
    processes: { count: 3, threads: 7 },
  };
  if (p.limit !== undefined) {
    s.memory.limitBytes = p.limit;
    s.memory.availableBytes = Math.max(0, p.limit - s.memory.workingSetBytes);
  }
  if (p.net) {
    const bytes = (i + 1) * intervalS * 50_000;
    s.network = { interfaces: [{ name: 'eth0', rxBytes: bytes, rxPackets: i * 10, rxErrors: 0, rxDropped: 0, txBytes: bytes / 2, txPackets: i * 5, txErrors: 0, txDropped: 0 }] };
  }
  if (p.fs !== undefined) {
    s.fs = {
      usage: { usedBytes: p.fs + i * 4096, inodesUsed: 10, truncated: false },
      rootfs: { usedBytes: MiB, inodesUsed: 5, truncated: false },
      capacity: { capacityBytes: 100 * GiB, availableBytes: 60 * GiB, usedBytes: 40 * GiB, inodes: 6_000_000, inodesFree: 5_000_000, inodesUsed: 1_000_000 },
    };
  }
  return s;
}

export function fakeSource(opts: { samples?: number; intervalMs?: number; storageMs?: number } = {}): FakeSource {
  const intervalMs = opts.intervalMs ?? 10_000;
  const storageMs = opts.storageMs ?? 120_000;
  const history = new StatsHistory({ housekeepingIntervalMs: intervalMs, storageDurationMs: storageMs });
  const listeners = new Set<() => void>();
  const cpuNs = new Map<string, number>();
  const podList = pods();
  let pass = 0;
  let next = Date.now() - (opts.samples ?? 8) * intervalMs;
  let nodeFsUsed = 40 * GiB;
  const profiles: Record<string, Profile> = structuredClone(PROFILES);

  const housekeep = () => {
    const t = new Date(next);
    for (const r of refs) {
      const p = profiles[r.id];
      const cum = (cpuNs.get(r.id) ?? 1e9) + p.cores * intervalMs * 1e6;
      cpuNs.set(r.id, cum);
      history.push(r.id, sampleAt(p, cum, pass, t, intervalMs / 1000));
    }
    nodeFsUsed += 10 * MiB;
    pass++;
    next += intervalMs;
  };
  for (let i = 0; i < (opts.samples ?? 8); i++) housekeep();

  const summary = (): Summary => ({
    node: { nodeName: 'node-a', startTime: '2024-01-01T00:00:00Z', fs: { time: new Date(next - intervalMs).toISOString(), capacityBytes: 100 * GiB, usedBytes: nodeFsUsed, availableBytes: 100 * GiB - nodeFsUsed } },
    pods: [],
  });

  return {
    nodeName: 'node-a',
    housekeepingIntervalMs: intervalMs,
    storageDurationMs: storageMs,
    machine: () => machine,
    summary,
    refs: () => refs.map((r) => ({ ...r })),
    samples: (id) => history.samples(id),
    pods: () => podList,
    podList,
    onHousekeeping(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listeners: () => listeners.size,
    tick() {
      housekeep();
      for (const l of listeners) l();
    },
    setCores(refId, cores) {
      profiles[refId].cores = cores;
    },
  };
}
