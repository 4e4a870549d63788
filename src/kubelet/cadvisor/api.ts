// cAdvisor's JSON shapes (info/v1 and info/v2, snake_case as cAdvisor marshals them) built from the
// built-in collector's samples. Pure: the stats UI's cAdvisor routes (statsui/cadvisorroutes.ts) feed it refs and samples.
// Fields the collector does not measure (schedstat, swap, failcnt, TCP tables) are left out or 0,
// as cAdvisor itself reports on hosts that lack them.
import type { CadvisorMachineInfo } from './machine.ts';
import type { ContainerRef, ContainerStats, InterfaceStats } from './types.ts';

/** CPU limits of a container as its pod spec asks (upstream's shares/quota conversion applies). */
export interface CpuLimits {
  /** resources.requests.cpu in millicores. */
  requestMilli?: number;
  /** resources.limits.cpu in millicores. */
  limitMilli?: number;
}

const CFS_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;

const DEFAULT_SHARES = 1024;

/**
 * The v1 CpuSpec: shares from the request (2 for a pod or container without one, as upstream
 * sets them; the cgroup default 1024 for node levels, which have no spec), quota from the limit.
 */
export function cpuSpec(l?: CpuLimits): Record<string, number> {
  if (!l) return { limit: DEFAULT_SHARES, max_limit: 0 };
  const shares = l.requestMilli ? Math.max(MIN_SHARES, Math.floor((l.requestMilli * SHARES_PER_CPU) / 1000)) : MIN_SHARES;
  const spec: Record<string, number> = { limit: shares, max_limit: 0 };
  if (l.limitMilli) {
    spec.max_limit = l.limitMilli;
    spec.quota = Math.floor((l.limitMilli * CFS_PERIOD_US) / 1000);
    spec.period = CFS_PERIOD_US;
  }
  return spec;
}

/** v1 MachineInfo (also what /api/v2.0/machine answers). */
export function machineInfoV1(m: CadvisorMachineInfo): Record<string, unknown> {
  return {
    num_cores: m.numCores,
    num_physical_cores: m.numCores,
    num_sockets: 1,
    cpu_frequency_khz: m.cpuFrequencyKhz,
    memory_capacity: m.memoryCapacityBytes,
    memory_by_type: {},
    hugepages: Object.entries(m.hugepages).map(([name, bytes]) => {
      const kb = hugepageSizeKb(name);
      return { page_size: kb, num_pages: kb ? Math.floor(bytes / (kb * 1024)) : 0 };
    }),
    machine_id: m.machineID,
    system_uuid: m.systemUUID,
    boot_id: m.bootID,
    filesystems: m.filesystems.map((f) => ({
      device: f.device,
      capacity: f.capacityBytes,
      type: f.type,
      inodes: f.inodes ?? 0,
      has_inodes: f.inodes !== undefined,
    })),
    disk_map: {},
    network_devices: [],
    topology: [],
    cloud_provider: 'Unknown',
    instance_type: 'Unknown',
    instance_id: 'None',
  };
}

/** v2 Attributes: machine facts plus versions. */
export function attributesV2(m: CadvisorMachineInfo): Record<string, unknown> {
  const v1 = machineInfoV1(m);
  return {
    kernel_version: m.kernelVersion,
    container_os_version: m.osImage,
    docker_version: '',
    cadvisor_version: CADVISOR_VERSION,
    num_cores: v1.num_cores,
    cpu_frequency_khz: v1.cpu_frequency_khz,
    memory_capacity: v1.memory_capacity,
    machine_id: v1.machine_id,
    system_uuid: v1.system_uuid,
    filesystems: v1.filesystems,
    disk_map: {},
    network_devices: [],
    topology: [],
    cloud_provider: 'Unknown',
    instance_type: 'Unknown',
  };
}

export const CADVISOR_VERSION = 'berth';

/** 'hugepages-2Mi' → 2048 (kB); 0 when the name does not parse. */
function hugepageSizeKb(name: string): number {
  const m = /^hugepages-(\d+)([KMG])i$/.exec(name);
  if (!m) return 0;
  return Number(m[1]) * { K: 1, M: 1024, G: 1024 * 1024 }[m[2] as 'K' | 'M' | 'G'];
}

function iface(i: InterfaceStats): Record<string, unknown> {
  return {
    name: i.name,
    rx_bytes: i.rxBytes,
    rx_packets: i.rxPackets,
    rx_errors: i.rxErrors,
    rx_dropped: i.rxDropped,
    tx_bytes: i.txBytes,
    tx_packets: i.txPackets,
    tx_errors: i.txErrors,
    tx_dropped: i.txDropped,
  };
}

function cpuStats(s: ContainerStats): Record<string, unknown> {
  const usage: Record<string, unknown> = { total: s.cpu.usageCoreNanoSeconds, user: s.cpu.userNanoSeconds, system: s.cpu.systemNanoSeconds };
  if (s.cpu.perCpuNanoSeconds?.length) usage.per_cpu_usage = s.cpu.perCpuNanoSeconds;
  return {
    usage,
    cfs: { periods: s.cpu.throttling.periods, throttled_periods: s.cpu.throttling.throttledPeriods, throttled_time: s.cpu.throttling.throttledTimeNanoSeconds },
    schedstat: { run_time: 0, runqueue_time: 0, run_periods: 0 },
    load_average: 0,
  };
}

function memoryStats(s: ContainerStats): Record<string, unknown> {
  const faults = { pgfault: s.memory.pageFaults, pgmajfault: s.memory.majorPageFaults };
  return {
    usage: s.memory.usageBytes,
    max_usage: 0,
    cache: s.memory.cacheBytes,
    rss: s.memory.rssBytes,
    swap: 0,
    mapped_file: 0,
    working_set: s.memory.workingSetBytes,
    failcnt: 0,
    container_data: faults,
    hierarchical_data: faults,
  };
}

/** v1 FsStats: the container's filesystem with its writable layer as base usage. */
function filesystems(s: ContainerStats): Record<string, unknown>[] | undefined {
  const fs = s.fs;
  if (!fs) return undefined;
  const base = fs.rootfs?.usedBytes ?? 0;
  const own = (fs.usage?.usedBytes ?? 0) + base;
  // With no directories of its own (node levels) the ref's usage is the whole filesystem's.
  const usage = fs.usage || fs.rootfs ? own : (fs.capacity?.usedBytes ?? 0);
  return [
    {
      type: 'vfs',
      capacity: fs.capacity?.capacityBytes ?? 0,
      usage,
      base_usage: base,
      available: fs.capacity?.availableBytes ?? 0,
      has_inodes: fs.capacity !== undefined,
      inodes: fs.capacity?.inodes ?? 0,
      inodes_free: fs.capacity?.inodesFree ?? 0,
    },
  ];
}

/** One v1 ContainerStats. */
export function statsV1(s: ContainerStats): Record<string, unknown> {
  const out: Record<string, unknown> = { timestamp: s.timestamp.toISOString(), cpu: cpuStats(s), memory: memoryStats(s) };
  if (s.network) {
    const ifaces = s.network.interfaces.map(iface);
    // cAdvisor inlines the first interface beside the list.
    out.network = { ...(ifaces[0] ?? { name: '' }), interfaces: ifaces };
  }
  const fs = filesystems(s);
  if (fs) out.filesystem = fs;
  out.processes = { process_count: s.processes.count, fd_count: 0, socket_count: 0, threads_current: s.processes.threads };
  if (s.memory.oomEvents) out.oom_events = s.memory.oomEvents;
  return out;
}

/** Labels cAdvisor's containerd handler shows for a Kubernetes container. */
function labelsOf(ref: ContainerRef): Record<string, string> | undefined {
  if (!ref.podUid) return undefined;
  const labels: Record<string, string> = { 'io.kubernetes.pod.uid': ref.podUid };
  if (ref.pod) labels['io.kubernetes.pod.name'] = ref.pod;
  if (ref.namespace) labels['io.kubernetes.pod.namespace'] = ref.namespace;
  if (ref.name) labels['io.kubernetes.container.name'] = ref.name;
  return labels;
}

/** v1 ContainerSpec; also v2's, which adds aliases and namespace (see specV2). */
export function specV1(ref: ContainerRef, samples: ContainerStats[], cpu?: CpuLimits): Record<string, unknown> {
  const last = samples[samples.length - 1];
  const created = ref.createdAt ?? samples[0]?.timestamp;
  const spec: Record<string, unknown> = {};
  if (created) spec.creation_time = created.toISOString();
  const labels = labelsOf(ref);
  if (labels) spec.labels = labels;
  spec.has_cpu = true;
  spec.cpu = cpuSpec(cpu);
  spec.has_memory = true;
  spec.memory = last?.memory.limitBytes !== undefined ? { limit: last.memory.limitBytes } : {};
  spec.has_hugetlb = false;
  spec.has_network = Boolean(last?.network);
  spec.has_processes = true;
  spec.processes = {};
  spec.has_filesystem = Boolean(last?.fs);
  spec.has_diskio = false;
  spec.has_custom_metrics = false;
  if (ref.image) spec.image = ref.image;
  return spec;
}

/** A container's cAdvisor name: its cgroup path. */
export const cadvisorName = (ref: ContainerRef): string => ref.cgroupPath;

/** The reference part of a v1 ContainerInfo: containers show their ID as alias, as for containerd. */
function reference(ref: ContainerRef): Record<string, unknown> {
  const out: Record<string, unknown> = { name: cadvisorName(ref) };
  if (ref.name) {
    out.id = ref.id;
    out.aliases = [ref.id];
    out.namespace = 'containerd';
  }
  return out;
}

/** v1 ContainerInfo: reference, direct subcontainers, spec and the last `count` samples. */
export function containerInfoV1(ref: ContainerRef, samples: ContainerStats[], subcontainers: ContainerRef[], count: number, cpu?: CpuLimits): Record<string, unknown> {
  const out: Record<string, unknown> = reference(ref);
  if (subcontainers.length) out.subcontainers = subcontainers.map((c) => reference(c));
  out.spec = specV1(ref, samples, cpu);
  const kept = lastN(samples, count);
  if (kept.length) out.stats = kept.map(statsV1);
  return out;
}

export function specV2(ref: ContainerRef, samples: ContainerStats[], cpu?: CpuLimits): Record<string, unknown> {
  const out = specV1(ref, samples, cpu);
  if (ref.name) {
    out.aliases = [ref.id];
    out.namespace = 'containerd';
  }
  return out;
}

/** v2.0 stats of one container (cAdvisor's "deprecated" v2 stats with has_* flags), cpu_inst from rates. */
export function statsV2(samples: ContainerStats[], count: number): Record<string, unknown>[] {
  return lastN(samples, count).map((s) => {
    const v1 = statsV1(s);
    const out: Record<string, unknown> = { timestamp: v1.timestamp, has_cpu: true, cpu: v1.cpu };
    if (s.cpu.usageNanoCores !== undefined) out.cpu_inst = { usage: { total: s.cpu.usageNanoCores, user: 0, system: 0 } };
    out.has_diskio = false;
    out.has_memory = true;
    out.memory = v1.memory;
    out.has_hugetlb = false;
    out.has_network = Boolean(s.network);
    if (s.network) out.network = { interfaces: (v1.network as { interfaces: unknown[] }).interfaces };
    out.has_processes = true;
    out.processes = v1.processes;
    out.has_filesystem = Boolean(v1.filesystem);
    if (v1.filesystem) out.filesystem = v1.filesystem;
    out.has_load = false;
    out.has_custom_metrics = false;
    return out;
  });
}

/** The last n samples; a negative n means all (cAdvisor's NumStats -1). */
export function lastN<T>(items: T[], n: number): T[] {
  if (n < 0) return items.slice();
  if (n === 0) return [];
  return items.slice(Math.max(0, items.length - n));
}
