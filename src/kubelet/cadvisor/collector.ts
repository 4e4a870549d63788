// One housekeeping pass reads every watched cgroup (containers, their pods, the node's root and
// /kubepods), the pods' network namespaces and the requested directories, and pushes the samples
// into the history. run() repeats it every housekeeping interval until the signal aborts.
import { dirname } from 'node:path';
import { realClock, type Clock } from '../clock.ts';
import { CgroupNotFoundError, type CgroupReader } from './cgroups.ts';
import { dirUsage, mountCapacity } from './fs.ts';
import type { StatsHistory } from './history.ts';
import { readNetwork, type ReadText } from './network.ts';
import type { ContainerRef, ContainerStats, FsStats, NetworkStats } from './types.ts';

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
  private capacities = new Map<string, Promise<FsStats['capacity']>>();

  constructor(private readonly opts: CollectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.setContainers([]);
  }

  /** Replaces the watched containers (the kubelet calls this from the runtime's listing). */
  setContainers(containers: ContainerRef[]): void {
    this.watched = containers.map((c) => ({ ...c }));
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
    this.capacities = new Map();

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
    await pool(refs, this.opts.concurrency ?? 32, async (ref) => {
      try {
        const pid = ref.podUid ? (podPid.get(ref.podUid) ?? ref.pid) : ref.pid;
        const [cg, net, fs] = await Promise.all([this.opts.reader.read(ref.cgroupPath, { leaf: !!(ref.podUid && ref.name) }), network(pid), this.readFs(ref)]);
        const stats: ContainerStats = { timestamp: this.clock.now(), ...cg };
        if (net) stats.network = net;
        if (fs) stats.fs = fs;
        history.push(ref.id, stats);
        collected.push(ref.id);
      } catch (err) {
        if (err instanceof CgroupNotFoundError) missing.push(ref.id);
        else errors.push({ id: ref.id, message: (err as Error).message });
      }
    });
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
    const usages = await Promise.all(paths.map((p) => dirUsage(p, { maxEntries: this.opts.maxDirEntries })));
    const capacity = await this.capacityOf(paths[0]);
    return {
      usage: usages.reduce((a, u) => ({ usedBytes: a.usedBytes + u.usedBytes, inodesUsed: a.inodesUsed + u.inodesUsed, truncated: a.truncated || u.truncated })),
      ...rootfs,
      ...(capacity ? { capacity } : {}),
    };
  }

  /** statfs once per directory per pass: every container's logs sit on the same filesystem. */
  private capacityOf(path: string): Promise<FsStats['capacity']> {
    let p = this.capacities.get(path);
    if (!p) {
      p = mountCapacity(path);
      this.capacities.set(path, p);
    }
    return p;
  }
}
