// The Summary API document built from the latest samples (pure): node totals from the root
// cgroup, `pods` from /kubepods, one entry per pod from its pod cgroup with its containers,
// filesystems from the runtime's writable layers, the logs and the pods' volumes.
import type { Pod } from '../../api/core/index.ts';
import type { ContainerRef, ContainerStats, DirUsage, FsCapacity } from '../cadvisor/types.ts';
import type { ContainerSummary, CPUStats, FsStats, MemoryStats, NetworkStats, NodeSummary, PodSummary, Summary, VolumeStats } from './types.ts';

export interface VolumeUsage {
  name: string;
  usage: DirUsage;
  capacity?: FsCapacity;
  /** hostPath and PVC-backed volumes are not the pod's ephemeral storage. */
  ephemeral: boolean;
  pvcRef?: { name: string; namespace: string };
  time: Date;
}

export interface SummaryInputs {
  nodeName: string;
  nodeStartTime: Date;
  memoryCapacityBytes: number;
  latest: (id: string) => ContainerStats | undefined;
  /** Container refs (podUid + name); pod refs are derived from them. */
  containers: ContainerRef[];
  /** The pods the kubelet runs (podRef and startTime). */
  pods: Pod[];
  /** Pod cgroup of a pod UID (the history key of its pod-level samples). */
  podCgroup: (uid: string) => string | undefined;
  volumes: (uid: string) => VolumeUsage[];
  /** The filesystem of --root-dir, and the runtime's image filesystem. */
  nodeFs?: FsCapacity & { time: Date };
  imageFs?: FsCapacity & { time: Date };
  /** The kubelet's own process (system container "kubelet"). */
  kubelet?: { startTime: Date; time: Date; cpuNanoSeconds: number; usageNanoCores?: number; rssBytes: number };
  rlimit?: { time: Date; maxpid: number; curproc: number };
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function cpuOf(s: ContainerStats): CPUStats {
  const out: CPUStats = { time: iso(s.timestamp), usageCoreNanoSeconds: s.cpu.usageCoreNanoSeconds };
  if (s.cpu.usageNanoCores !== undefined) out.usageNanoCores = s.cpu.usageNanoCores;
  return out;
}

/** availableBytes is limit − working set; the node's limit is its capacity, as upstream. */
export function memoryOf(s: ContainerStats, limitBytes = s.memory.limitBytes): MemoryStats {
  const m = s.memory;
  const out: MemoryStats = { time: iso(s.timestamp), usageBytes: m.usageBytes, workingSetBytes: m.workingSetBytes, rssBytes: m.rssBytes, pageFaults: m.pageFaults, majorPageFaults: m.majorPageFaults };
  if (limitBytes !== undefined) out.availableBytes = Math.max(0, limitBytes - m.workingSetBytes);
  return out;
}

/** eth0 inline (upstream's default interface), every interface listed. */
export function networkOf(s: ContainerStats): NetworkStats | undefined {
  if (!s.network) return undefined;
  const interfaces = s.network.interfaces.map((i) => ({ name: i.name, rxBytes: i.rxBytes, rxErrors: i.rxErrors, txBytes: i.txBytes, txErrors: i.txErrors }));
  const primary = interfaces.find((i) => i.name === 'eth0') ?? interfaces[0];
  return { time: iso(s.timestamp), ...(primary ?? {}), interfaces };
}

function fsOf(time: Date, usage: { usedBytes: number; inodesUsed: number } | undefined, capacity: FsCapacity | undefined): FsStats {
  const out: FsStats = { time: iso(time) };
  if (capacity) Object.assign(out, { availableBytes: capacity.availableBytes, capacityBytes: capacity.capacityBytes, inodesFree: capacity.inodesFree, inodes: capacity.inodes });
  if (usage) Object.assign(out, { usedBytes: usage.usedBytes, inodesUsed: usage.inodesUsed });
  return out;
}

function sum(parts: ({ usedBytes: number; inodesUsed: number } | undefined)[]): { usedBytes: number; inodesUsed: number } {
  let usedBytes = 0;
  let inodesUsed = 0;
  for (const p of parts) {
    usedBytes += p?.usedBytes ?? 0;
    inodesUsed += p?.inodesUsed ?? 0;
  }
  return { usedBytes, inodesUsed };
}

function containerSummary(ref: ContainerRef, s: ContainerStats | undefined, imageFs: SummaryInputs['imageFs']): ContainerSummary {
  const out: ContainerSummary = { name: ref.name!, startTime: iso(ref.createdAt ?? new Date(0)) };
  if (!s) return out;
  out.cpu = cpuOf(s);
  out.memory = memoryOf(s);
  out.rootfs = fsOf(s.timestamp, s.fs?.rootfs ?? { usedBytes: 0, inodesUsed: 0 }, imageFs);
  out.logs = fsOf(s.timestamp, s.fs?.usage, s.fs?.capacity);
  return out;
}

function podSummary(pod: Pod, refs: ContainerRef[], i: SummaryInputs): PodSummary {
  const uid = pod.metadata.uid!;
  const status = pod.status as { startTime?: string } | undefined;
  const out: PodSummary = {
    podRef: { name: pod.metadata.name!, namespace: pod.metadata.namespace ?? 'default', uid },
    startTime: status?.startTime ?? pod.metadata.creationTimestamp ?? iso(new Date(0)),
    containers: refs.map((r) => containerSummary(r, i.latest(r.id), i.imageFs)),
  };
  const cgroup = i.podCgroup(uid);
  const s = cgroup ? i.latest(cgroup) : undefined;
  if (s) {
    out.cpu = cpuOf(s);
    out.memory = memoryOf(s);
    const net = networkOf(s);
    if (net) out.network = net;
    out.process_stats = { process_count: s.processes.count };
  }
  const volumes = i.volumes(uid);
  if (volumes.length) {
    out.volume = volumes.map((v): VolumeStats => ({ ...fsOf(v.time, v.usage, v.capacity), name: v.name, ...(v.pvcRef ? { pvcRef: v.pvcRef } : {}) }));
  }
  // Ephemeral storage: writable layers, logs and the pod's own (non-hostPath, non-PVC) volumes.
  const samples = refs.map((r) => i.latest(r.id));
  const used = sum([...samples.map((c) => c?.fs?.rootfs), ...samples.map((c) => c?.fs?.usage), ...volumes.filter((v) => v.ephemeral).map((v) => v.usage)]);
  const time = s?.timestamp ?? samples.find((x) => x)?.timestamp;
  if (time) out['ephemeral-storage'] = fsOf(time, used, i.nodeFs);
  return out;
}

export function buildSummary(i: SummaryInputs): Summary {
  const root = i.latest('/');
  const node: NodeSummary = { nodeName: i.nodeName, startTime: iso(i.nodeStartTime), systemContainers: [] };
  if (root) {
    node.cpu = cpuOf(root);
    node.memory = memoryOf(root, i.memoryCapacityBytes);
    const net = networkOf(root);
    if (net) node.network = net;
  }
  const kubepods = i.latest('/kubepods');
  if (kubepods) node.systemContainers!.push({ name: 'pods', startTime: iso(i.nodeStartTime), cpu: cpuOf(kubepods), memory: memoryOf(kubepods, kubepods.memory.limitBytes ?? i.memoryCapacityBytes) });
  if (i.kubelet) {
    const k = i.kubelet;
    const cpu: CPUStats = { time: iso(k.time), usageCoreNanoSeconds: k.cpuNanoSeconds };
    if (k.usageNanoCores !== undefined) cpu.usageNanoCores = k.usageNanoCores;
    node.systemContainers!.push({ name: 'kubelet', startTime: iso(k.startTime), cpu, memory: { time: iso(k.time), usageBytes: k.rssBytes, workingSetBytes: k.rssBytes, rssBytes: k.rssBytes } });
  }
  if (i.nodeFs) node.fs = fsOf(i.nodeFs.time, i.nodeFs, i.nodeFs);
  if (i.imageFs) node.runtime = { imageFs: fsOf(i.imageFs.time, i.imageFs, i.imageFs), containerFs: fsOf(i.imageFs.time, i.imageFs, i.imageFs) };
  if (i.rlimit) node.rlimit = { time: iso(i.rlimit.time), maxpid: i.rlimit.maxpid, curproc: i.rlimit.curproc };

  const byPod = new Map<string, ContainerRef[]>();
  for (const r of i.containers) {
    if (!r.podUid) continue;
    const list = byPod.get(r.podUid) ?? [];
    list.push(r);
    byPod.set(r.podUid, list);
  }
  // A pod appears once its pod cgroup has a sample: a pod still starting has nothing to report.
  const pods = i.pods
    .filter((p) => {
      const cgroup = i.podCgroup(p.metadata.uid!);
      return byPod.has(p.metadata.uid!) || (cgroup !== undefined && i.latest(cgroup) !== undefined);
    })
    .map((p) => podSummary(p, byPod.get(p.metadata.uid!) ?? [], i));
  return { node, pods };
}
