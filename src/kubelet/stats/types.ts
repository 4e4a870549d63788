// The Summary API (upstream stats/v1alpha1) as served on /stats/summary, with upstream's JSON
// field names, and the StatsSource the kubelet's HTTP faces (Summary, metrics, stats UI,
// cAdvisor API) read from. Times are RFC 3339 strings, as the JSON carries them.
import type { Pod } from '../../api/core/index.ts';
import type { ContainerRef, ContainerStats } from '../cadvisor/types.ts';
import type { CadvisorMachineInfo } from '../cadvisor/machine.ts';

export interface CPUStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface InterfaceStats {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

/** The default interface (eth0) inline, every interface in `interfaces`. */
export interface NetworkStats extends Partial<InterfaceStats> {
  time: string;
  interfaces?: InterfaceStats[];
}

export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

export interface VolumeStats extends FsStats {
  name: string;
  pvcRef?: { name: string; namespace: string };
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  rootfs?: FsStats;
  logs?: FsStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  volume?: VolumeStats[];
  'ephemeral-storage'?: FsStats;
  process_stats?: { process_count?: number };
}

export interface NodeSummary {
  nodeName: string;
  /** kubelet, runtime, pods (and misc): cpu and memory of the node's own cgroups. */
  systemContainers?: ContainerSummary[];
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  fs?: FsStats;
  runtime?: { imageFs?: FsStats; containerFs?: FsStats };
  rlimit?: { time: string; maxpid?: number; curproc?: number };
}

export interface Summary {
  node: NodeSummary;
  pods: PodSummary[];
}

/** Everything the kubelet's stats faces read: the collector's refs and history, plus pod facts. */
export interface StatsSource {
  nodeName: string;
  housekeepingIntervalMs: number;
  storageDurationMs: number;
  machine(): CadvisorMachineInfo;
  /** The current Summary (latest samples). */
  summary(): Summary;
  /** Every watched ref: node levels ('/', '/kubepods'), pods (podUid, no name), containers (podUid + name). */
  refs(): ContainerRef[];
  /** Samples of a ref id, oldest first, rates filled in. */
  samples(id: string): ContainerStats[];
  /** The pods the kubelet runs, with their latest status (container readiness, restarts, probes in spec). */
  pods(): Pod[];
  /** Called after every housekeeping pass; returns an unsubscribe function. */
  onHousekeeping(listener: () => void): () => void;
}
