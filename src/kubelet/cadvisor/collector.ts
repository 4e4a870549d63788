// One housekeeping pass reads every watched cgroup (containers, their pods, the node's root and
// /kubepods), the pods' network namespaces and the requested directories, and pushes the samples
// into the history. run() repeats it every housekeeping interval until the signal aborts.
import { dirname } from 'node:path';
import { realClock, type Clock } from '../clock.ts';
import { countProcesses } from '../nodestatus/machine.ts';
import { CgroupNotFoundError, type CgroupReader, type ProcessCounting } from './cgroups.ts';
import { dirUsage, mountCapacity } from './fs.ts';
import type { StatsHistory } from './history.ts';
import { readNetwork, type ReadText } from './network.ts';
import type { ContainerRef, ContainerStats, DirUsage, FsStats, NetworkStats } from './types.ts';

export interface CollectorOptions {
  reader: CgroupReader;
  history: StatsHistory;
  clock?: Clock;
  procRoot?: string;
  /** Reads /proc files (tests inject fixtures). */
  readText?: ReadText;
  /** The node's own levels; default the root cgroup (network of pid 1) and /kubepods. */
  nodeRefs?: ContainerRef[];
  /** Cgroups read at once. */
  concurrency?: number;
  /** Entry cap of each directory walk (fsPaths). */
  maxDirEntries?: number;
  /**
   * How often a directory is walked again (logs): a du costs far more than a cgroup read and
   * changes slowly, so between walks a pass reuses the last result (0: every pass).
   */
  dirUsageRefreshMs?: number;
}

export interface HousekeepingResult {
  startedAt: Date;
  /** Wall time of the pass. */
  durationMs: number;
  /** CPU this process spent during the pass (user + system; includes anything running alongside). */
  cpuMs: number;
  /** Keys sampled this pass. */
  collected: string[];
  /** Watched keys whose cgroup is gone (container exited, not yet unwatched). */
  missing: string[];
  errors: { id: string; message: string }[];
}

export const NODE_REFS: ContainerRef[] = [
  { id: '/', cgroupPath: '/', pid: 1 },
  { id: '/kubepods', cgroupPath: '/kubepods' },
];

/** Pod-level refs derived from containers: the parent cgroup, with the first container's pid. */
export function podRefs(containers: ContainerRef[]): ContainerRef[] {
  const pods = new Map<string, ContainerRef>();
  for (const c of containers) {
    if (!c.podUid) continue;
    const existing = pods.get(c.podUid);
    if (existing) {
      if (existing.pid === undefined && c.pid !== undefined) existing.pid = c.pid;
      continue;
    }
    const cgroupPath = dirname(c.cgroupPath);
    pods.set(c.podUid, { id: cgroupPath, cgroupPath, podUid: c.podUid, pid: c.pid, pod: c.pod, namespace: c.namespace });
  }
  return [...pods.values()];
}

const isContainer = (r: ContainerRef) => !!(r.podUid && r.name);

/** Processes of the containers sampled under a level's cgroup (a pod, /kubepods). */
export function sumProcessesUnder(level: ContainerRef, samples: Map<ContainerRef, ContainerStats>): number {
  const prefix = level.cgroupPath.endsWith('/') ? level.cgroupPath : `${level.cgroupPath}/`;
  let n = 0;
  for (const [ref, s] of samples) if (isContainer(ref) && ref.cgroupPath.startsWith(prefix)) n += s.processes.count;
  return n;
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class Collector {
  private readonly clock: Clock;
  private watched: ContainerRef[] = [];
  private all: ContainerRef[] = [];
  private last?: HousekeepingResult;
  private dirUsages = new Map<string, { usage: DirUsage; atMs: number }>();

  constructor(private readonly opts: CollectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.setContainers([]);
  }

  /** Replaces the watched containers (the kubelet calls this from the runtime's listing). */
  setContainers(containers: ContainerRef[]): void {
    this.watched = containers.map((c) => ({ ...c }));
    const paths = new Set(this.watched.flatMap((c) => Object.values(c.fsPaths ?? {})));
    for (const p of this.dirUsages.keys()) if (!paths.has(p)) this.dirUsages.delete(p);
    this.all = [...(this.opts.nodeRefs ?? NODE_REFS), ...podRefs(this.watched), ...this.watched];
  }

  /** Every ref sampled by a pass: node levels, pods, containers. */
  refs(): ContainerRef[] {
    return [...this.all];
  }

  ref(id: string): ContainerRef | undefined {
    return this.all.find((r) => r.id === id);
  }

  get lastHousekeeping(): HousekeepingResult | undefined {
    return this.last;
  }

  async housekeep(): Promise<HousekeepingResult> {
    const startedAt = this.clock.now();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const refs = this.all;
    const history = this.opts.history;

    // Keys no longer watched leave the history at once: a deleted pod disappears everywhere.
    const live = new Set(refs.map((r) => r.id));
    for (const key of history.keys()) if (!live.has(key)) history.delete(key);

    // One network read per namespace: containers of a pod share their pod's.
    const netByPid = new Map<number, Promise<NetworkStats | undefined>>();
    const network = (pid: number | undefined) => {
      if (pid === undefined) return Promise.resolve(undefined);
      let p = netByPid.get(pid);
      if (!p) {
        p = readNetwork(pid, this.opts.procRoot, this.opts.readText);
        netByPid.set(pid, p);
      }
      return p;
    };
    const podPid = new Map(podRefs(this.watched).map((p) => [p.podUid!, p.pid]));

    const collected: string[] = [];
    const missing: string[] = [];
    const errors: { id: string; message: string }[] = [];
    const sample = async (ref: ContainerRef, processes: ProcessCounting): Promise<ContainerStats | undefined> => {
      try {
        const pid = ref.podUid ? (podPid.get(ref.podUid) ?? ref.pid) : ref.pid;
        const [cg, net, fs] = await Promise.all([this.opts.reader.read(ref.cgroupPath, { processes }), network(pid), this.readFs(ref)]);
        const stats: ContainerStats = { timestamp: this.clock.now(), ...cg };
        if (net) stats.network = net;
        if (fs) stats.fs = fs;
        return stats;
      } catch (err) {
        if (err instanceof CgroupNotFoundError) missing.push(ref.id);
        else errors.push({ id: ref.id, message: (err as Error).message });
        return undefined;
      }
    };
    // Containers count their own processes; pods and the node's levels sum their containers'
    // (as upstream's pod process_count does), the root counts the machine's.
    const containers = refs.filter(isContainer);
    const levels = refs.filter((r) => !isContainer(r));
    const samples = new Map<ContainerRef, ContainerStats>();
    const concurrency = this.opts.concurrency ?? 32;
    await pool(containers, concurrency, async (ref) => {
      const s = await sample(ref, 'leaf');
      if (s) samples.set(ref, s);
    });
    const byPod = new Map<string, number>();
    for (const [ref, st] of samples) byPod.set(ref.podUid!, (byPod.get(ref.podUid!) ?? 0) + st.processes.count);
    await pool(levels, concurrency, async (ref) => {
      const s = await sample(ref, 'none');
      if (!s) return;
      if (ref.cgroupPath === '/') s.processes.count = (await countProcesses(this.opts.procRoot)) ?? 0;
      else s.processes.count = ref.podUid ? (byPod.get(ref.podUid) ?? 0) : sumProcessesUnder(ref, samples);
      samples.set(ref, s);
    });
    for (const ref of refs) {
      const s = samples.get(ref);
      if (!s) continue;
      history.push(ref.id, s);
      collected.push(ref.id);
    }
    history.evictStale(this.clock.now());

    const cpu = process.cpuUsage(cpu0);
    this.last = {
      startedAt,
      durationMs: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      collected,
      missing,
      errors,
    };
    return this.last;
  }

  /** Housekeeping every interval until signal aborts; a failed pass does not stop the loop. */
  async run(signal: AbortSignal, onPass?: (r: HousekeepingResult) => void): Promise<void> {
    while (!signal.aborted) {
      const r = await this.housekeep();
      onPass?.(r);
      await this.clock.sleep(this.opts.history.housekeepingIntervalMs, signal);
    }
  }

  /** Sums the ref's directories (writable layer, logs, volumes) and sizes the filesystem of the first. */
  private async readFs(ref: ContainerRef): Promise<FsStats | undefined> {
    const paths = Object.values(ref.fsPaths ?? {});
    const rootfs = ref.rootfs ? { rootfs: ref.rootfs } : {};
    if (!paths.length) return ref.rootfs ? rootfs : undefined;
    const usages = await Promise.all(paths.map((p) => this.dirUsageOf(p)));
    const capacity = await mountCapacity(paths[0]);
    return {
      usage: usages.reduce((a, u) => ({ usedBytes: a.usedBytes + u.usedBytes, inodesUsed: a.inodesUsed + u.inodesUsed, truncated: a.truncated || u.truncated })),
      ...rootfs,
      ...(capacity ? { capacity } : {}),
    };
  }

  private async dirUsageOf(path: string): Promise<DirUsage> {
    const now = this.clock.now().getTime();
    const cached = this.dirUsages.get(path);
    if (cached && now - cached.atMs < (this.opts.dirUsageRefreshMs ?? 0)) return cached.usage;
    const usage = await dirUsage(path, { maxEntries: this.opts.maxDirEntries });
    this.dirUsages.set(path, { usage, atMs: now });
    return usage;
  }
}
