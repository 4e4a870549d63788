// What the kubelet's built-in cAdvisor measures for one container (or pod, or the node's
// cgroups). Names follow the Summary API (usageNanoCores, workingSetBytes, rxBytes...) so the
// Summary/metrics layers map them one to one. Cumulative counters are as read; rates
// (usageNanoCores, bytes/s) are filled in by the history from the previous sample.

export interface CpuThrottling {
  /** Enforcement periods that elapsed (cpu.stat nr_periods). */
  periods: number;
  /** Periods in which the cgroup was throttled (nr_throttled). */
  throttledPeriods: number;
  /** Total time throttled, in nanoseconds (v1 throttled_time; v2 throttled_usec × 1000). */
  throttledTimeNanoSeconds: number;
}

export interface CpuStats {
  /** CPU use rate in billionths of a core, derived between two samples (absent on the first). */
  usageNanoCores?: number;
  /** Cumulative CPU time, all cores, in nanoseconds. */
  usageCoreNanoSeconds: number;
  userNanoSeconds: number;
  systemNanoSeconds: number;
  /** Cumulative nanoseconds per core (cgroup v1 only: cpuacct.usage_percpu). */
  perCpuNanoSeconds?: number[];
  throttling: CpuThrottling;
}

export interface MemoryStats {
  usageBytes: number;
  /** usage − inactive file pages, floored at 0: what the kubelet evicts and OOM-kills on. */
  workingSetBytes: number;
  rssBytes: number;
  cacheBytes: number;
  /** Cumulative page faults (pgfault) and major page faults (pgmajfault). */
  pageFaults: number;
  majorPageFaults: number;
  /** Processes the OOM killer killed in this cgroup (oom_kill counter; 0 where the kernel lacks it). */
  oomEvents: number;
  /** v1 memory.oom_control under_oom: the cgroup is at its limit right now. */
  underOom?: boolean;
  /** Absent when unlimited (v2 "max"; v1's near-2^63 sentinel). */
  limitBytes?: number;
  /** limit − working set, floored at 0 (Summary's availableBytes); absent without a limit. */
  availableBytes?: number;
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
  /** Derived between two samples by the history. */
  rxBytesPerSecond?: number;
  txBytesPerSecond?: number;
}

export interface NetworkStats {
  /** Every interface of the network namespace except lo, sorted by name. */
  interfaces: InterfaceStats[];
}

export interface ProcessStats {
  /** Processes in the cgroup and its descendants (cgroup.procs). */
  count: number;
  /** Threads (pids.current where the pids controller is there, else tasks/cgroup.threads). */
  threads: number;
}

/** Space a directory tree takes (recursive du, apparent blocks × 512, with an inode count). */
export interface DirUsage {
  usedBytes: number;
  inodesUsed: number;
  /** True when the walk hit its entry cap: the numbers are then a lower bound. */
  truncated: boolean;
}

/** A whole filesystem (statfs). */
export interface FsCapacity {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
  inodesUsed: number;
}

export interface FsStats {
  /** What the ref's directories (fsPaths: a container's logs) use. */
  usage?: DirUsage;
  /** The container's writable layer, as the runtime measures it. */
  rootfs?: DirUsage;
  /** The filesystem that holds it. */
  capacity?: FsCapacity;
}

export interface ContainerStats {
  timestamp: Date;
  cpu: CpuStats;
  memory: MemoryStats;
  network?: NetworkStats;
  processes: ProcessStats;
  fs?: FsStats;
}

/** A container (or pod, or node-level cgroup) to watch; the kubelet fills these from the CRI. */
export interface ContainerRef {
  /** History key: the container ID, or the cgroup path for pod and node levels. */
  id: string;
  /** Path in the cgroup hierarchy, e.g. /kubepods/burstable/pod<uid>/<containerID>. */
  cgroupPath: string;
  /** Any process of the container: its /proc/<pid>/net/dev gives the pod's network. */
  pid?: number;
  podUid?: string;
  name?: string;
  namespace?: string;
  pod?: string;
  image?: string;
  /** Directories to size with du (a container's logs), keyed by what they are. */
  fsPaths?: Record<string, string>;
  /** When the runtime created the container. */
  createdAt?: Date;
  /** The writable layer's use as the runtime last reported it (copied into each sample). */
  rootfs?: DirUsage;
}
