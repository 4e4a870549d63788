// The kubelet's stats provider: each housekeeping interval it lists the runtime's sandboxes and
// containers (one CRI call each, plus the writable layers), tells the collector which cgroups to
// read, runs one collector pass, and re-measures volumes every volumeStatsAggPeriod. The HTTP
// faces (Summary API, metrics, stats UI) read its StatsSource view.
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import type { Pod } from '../../api/core/index.ts';
import { CgroupReader } from '../cadvisor/cgroups.ts';
import { Collector, type HousekeepingResult } from '../cadvisor/collector.ts';
import { mountCapacity } from '../cadvisor/fs.ts';
import { StatsHistory } from '../cadvisor/history.ts';
import type { CadvisorMachineInfo } from '../cadvisor/machine.ts';
import { readCgroupLayout, type CgroupLayout } from '../cadvisor/mountinfo.ts';
import type { ContainerRef, ContainerStats, DirUsage, FsCapacity } from '../cadvisor/types.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import { containerRefs } from './refs.ts';
import { buildSummary, type SummaryInputs, type VolumeUsage } from './summary.ts';
import type { StatsSource, Summary } from './types.ts';
import { measurePodVolumes } from './volumes.ts';

export interface StatsProviderOptions {
  nodeName: string;
  cri: CriClient;
  clock: Clock;
  log: Logger;
  machine: CadvisorMachineInfo;
  /** The pods the kubelet runs, with their latest status. */
  pods: () => Pod[];
  /** The pod cgroup the kubelet gives a pod (its sandbox's cgroup parent). */
  podCgroup: (pod: Pod) => string;
  /** <podLogsDir>/<namespace>_<name>_<uid>/<container>. */
  logDir: (namespace: string, pod: string, uid: string, container: string) => string;
  rootDir: string;
  housekeepingIntervalMs: number;
  storageDurationMs: number;
  volumeStatsAggPeriodMs: number;
  /** The cgroup layout (tests inject fixture trees); read from /proc/self/mountinfo otherwise. */
  layout?: CgroupLayout;
}

type Timed<T> = T & { time: Date };

export class StatsProvider implements StatsSource {
  readonly nodeName: string;
  readonly housekeepingIntervalMs: number;
  readonly storageDurationMs: number;
  readonly history: StatsHistory;
  private readonly collector: Collector;
  private readonly listeners = new Set<() => void>();
  private containers: ContainerRef[] = [];
  private podCgroups = new Map<string, string>();
  private sandboxPids = new Map<string, number>();
  private volumes = new Map<string, VolumeUsage[]>();
  private lastVolumesMs = -Infinity;
  private nodeFs?: Timed<FsCapacity>;
  private imageFs?: Timed<FsCapacity>;
  private rlimit?: { time: Date; maxpid: number; curproc: number };
  private kubelet?: SummaryInputs['kubelet'];
  private readonly nodeStartTime: Date;
  private readonly startTime: Date;

  private constructor(private readonly o: StatsProviderOptions, private readonly reader: CgroupReader) {
    this.nodeName = o.nodeName;
    this.housekeepingIntervalMs = o.housekeepingIntervalMs;
    this.storageDurationMs = o.storageDurationMs;
    this.history = new StatsHistory({ storageDurationMs: o.storageDurationMs, housekeepingIntervalMs: o.housekeepingIntervalMs });
    this.collector = new Collector({ reader, history: this.history, clock: o.clock, dirUsageRefreshMs: o.volumeStatsAggPeriodMs });
    this.startTime = o.clock.now();
    this.nodeStartTime = new Date(this.startTime.getTime() - Math.round(os.uptime() * 1000));
  }

  static async create(o: StatsProviderOptions): Promise<StatsProvider> {
    const layout = o.layout ?? (await readCgroupLayout());
    if (!layout) throw new Error('no cgroup filesystem is mounted: container stats are unavailable');
    return new StatsProvider(o, new CgroupReader(layout));
  }

  machine(): CadvisorMachineInfo {
    return this.o.machine;
  }

  refs(): ContainerRef[] {
    return this.collector.refs();
  }

  samples(id: string): ContainerStats[] {
    return this.history.samples(id);
  }

  latest(id: string): ContainerStats | undefined {
    return this.history.latest(id);
  }

  pods(): Pod[] {
    return this.o.pods();
  }

  /** The pod-level history key of a pod UID. */
  podCgroup(uid: string): string | undefined {
    return this.podCgroups.get(uid);
  }

  /** The collector's last pass (reading every cgroup, network namespace and directory). */
  get lastHousekeeping(): HousekeepingResult | undefined {
    return this.collector.lastHousekeeping;
  }

  /** CPU of the last whole pass: runtime listing, collection, node level and volumes. */
  lastPassCpuMs = 0;

  onHousekeeping(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): Summary {
    return buildSummary({
      nodeName: this.nodeName,
      nodeStartTime: this.nodeStartTime,
      memoryCapacityBytes: this.o.machine.memoryCapacityBytes,
      latest: (id) => this.history.latest(id),
      containers: this.containers,
      pods: this.o.pods(),
      podCgroup: (uid) => this.podCgroups.get(uid),
      volumes: (uid) => this.volumes.get(uid) ?? [],
      nodeFs: this.nodeFs,
      imageFs: this.imageFs,
      kubelet: this.kubelet,
      rlimit: this.rlimit,
    });
  }

  /** Housekeeping every interval until the signal aborts; a failed pass is logged, not fatal. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.housekeep(signal);
      } catch (e) {
        if (!signal.aborted) this.o.log.error('Stats housekeeping failed', e);
      }
      await this.o.clock.sleep(this.o.housekeepingIntervalMs, signal);
    }
  }

  /** One pass: discover, collect, and tell the listeners. */
  async housekeep(signal?: AbortSignal): Promise<HousekeepingResult> {
    const cpu0 = process.cpuUsage();
    await this.discover(signal);
    const result = await this.collector.housekeep();
    await this.readNodeLevel();
    this.sampleKubelet();
    await this.measureVolumesIfDue();
    const cpu = process.cpuUsage(cpu0);
    this.lastPassCpuMs = (cpu.user + cpu.system) / 1000;
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.o.log.error('Stats listener failed', e);
      }
    }
    return result;
  }

  private async discover(signal?: AbortSignal): Promise<void> {
    const timeout = { timeoutMs: 10_000, signal };
    const [sandboxes, containers, layers] = await Promise.all([
      this.o.cri.listPodSandbox(undefined, timeout),
      this.o.cri.listContainers({ state: { state: 'CONTAINER_RUNNING' } }, timeout),
      this.o.cri.listContainerStats(undefined, timeout).catch(() => []),
    ]);
    this.podCgroups = new Map(this.o.pods().map((p) => [p.metadata.uid!, this.o.podCgroup(p)]));
    const writableLayers = new Map<string, DirUsage>();
    for (const s of layers) {
      const w = s.writableLayer;
      if (s.attributes && w) writableLayers.set(s.attributes.id, { usedBytes: w.usedBytes?.value ?? 0, inodesUsed: w.inodesUsed?.value ?? 0, truncated: false });
    }
    // The pause process never changes while its sandbox lives: read it once per sandbox.
    const live = new Set(sandboxes.map((s) => s.id));
    for (const id of this.sandboxPids.keys()) if (!live.has(id)) this.sandboxPids.delete(id);
    await Promise.all(
      sandboxes.map(async (s) => {
        const uid = s.labels['io.kubernetes.pod.uid'];
        const cgroup = uid ? this.podCgroups.get(uid) : undefined;
        if (s.state !== 'SANDBOX_READY' || !cgroup || this.sandboxPids.has(s.id)) return;
        const pid = await this.reader.firstPid(`${cgroup}/${s.id}`);
        if (pid) this.sandboxPids.set(s.id, pid);
      }),
    );
    this.containers = containerRefs({
      sandboxes,
      containers,
      podCgroup: (uid) => this.podCgroups.get(uid),
      sandboxPid: (id) => this.sandboxPids.get(id),
      writableLayers,
      logDir: this.o.logDir,
    });
    this.collector.setContainers(this.containers);
  }

  private async readNodeLevel(): Promise<void> {
    const time = this.o.clock.now();
    const [nodeFs, imageFsInfo, pidMax] = await Promise.all([
      mountCapacity(this.o.rootDir),
      this.o.cri.imageFsInfo({ timeoutMs: 10_000 }).catch(() => undefined),
      readFile('/proc/sys/kernel/pid_max', 'utf8').catch(() => ''),
    ]);
    if (nodeFs) this.nodeFs = { ...nodeFs, time };
    const image = imageFsInfo?.imageFilesystems[0];
    const imageCap = image?.fsId?.mountpoint ? await mountCapacity(image.fsId.mountpoint) : undefined;
    if (imageCap && image) {
      // The runtime knows what its images use (containerd 1.6 may say 0 until its snapshot
      // syncer runs: then the images' sizes, as upstream's cAdvisor provider sums them).
      let used = image.usedBytes?.value ?? 0;
      if (!used) used = (await this.o.cri.listImages(undefined, { timeoutMs: 10_000 }).catch(() => [])).reduce((a, i) => a + (i.size ?? 0), 0);
      this.imageFs = { ...imageCap, usedBytes: used, inodesUsed: image.inodesUsed?.value ?? imageCap.inodesUsed, time };
    }
    // The root cgroup's sample of this pass already counted the machine's processes.
    const maxpid = Number.parseInt(pidMax, 10);
    const root = this.history.latest('/');
    if (Number.isFinite(maxpid) && root) this.rlimit = { time: root.timestamp, maxpid, curproc: root.processes.count };
  }

  private sampleKubelet(): void {
    const time = this.o.clock.now();
    const u = process.cpuUsage();
    const cpuNanoSeconds = (u.user + u.system) * 1000;
    const prev = this.kubelet;
    const dtNs = prev ? (time.getTime() - prev.time.getTime()) * 1e6 : 0;
    const usageNanoCores = prev && dtNs > 0 ? Math.round(((cpuNanoSeconds - prev.cpuNanoSeconds) / dtNs) * 1e9) : undefined;
    this.kubelet = { startTime: this.startTime, time, cpuNanoSeconds, rssBytes: process.memoryUsage.rss(), ...(usageNanoCores !== undefined ? { usageNanoCores } : {}) };
  }

  private async measureVolumesIfDue(): Promise<void> {
    const period = this.o.volumeStatsAggPeriodMs;
    const now = this.o.clock.now().getTime();
    if (period <= 0 || now - this.lastVolumesMs < period) return;
    this.lastVolumesMs = now;
    const next = new Map<string, VolumeUsage[]>();
    for (const uid of this.podCgroups.keys()) {
      next.set(uid, await measurePodVolumes(this.o.rootDir, uid, () => this.o.clock.now()));
    }
    this.volumes = next;
  }
}
