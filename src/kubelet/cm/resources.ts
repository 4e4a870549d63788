// What the kubelet writes to the cgroups it owns, as upstream's container manager decides it
// (pkg/kubelet/cm helpers_linux.go ResourceConfigForPod, qos_container_manager_linux.go
// setCPUCgroupConfig, node_container_manager_linux.go getCgroupConfig): pure functions from a
// pod, the node's pods or its capacity to a ResourceConfig. files.ts turns one into files.
import type { Container, Pod, ResourceList } from '../../api/core/index.ts';
import { podQOSClass } from '../../api/pod/qos.ts';
import { isRestartableInitContainer } from '../../api/pod/predicates.ts';
import { quantityMilliValue, quantityValue, tryParseQuantity, type Quantity } from '../../api/quantity.ts';

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
/** The default CFS period (cpuCFSQuotaPeriod 100ms), in microseconds. */
export const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

/** Upstream's ResourceConfig: what is set; an absent field is left as the kernel has it. */
export interface ResourceConfig {
  cpuShares?: number;
  /** CFS quota in µs per period; -1 for none. */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** Memory limit in bytes. */
  memory?: number;
  /** The process limit; absent or ≤ 0 for none. */
  pidsLimit?: number;
}

export function milliCPUToShares(milli: number): number {
  if (milli === 0) return MIN_SHARES;
  const shares = Math.floor((milli * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

export function milliCPUToQuota(milli: number, period = QUOTA_PERIOD): number {
  if (milli === 0) return 0;
  return Math.max(MIN_QUOTA, Math.floor((milli * period) / 1000));
}

/** CPU in millicores and memory in bytes; a resource absent from every container is absent. */
export interface PodAmounts { cpu?: number; memory?: number }

const amountOf = { cpu: quantityMilliValue, memory: quantityValue } as const;

function amounts(list: ResourceList | undefined): PodAmounts {
  const out: PodAmounts = {};
  for (const name of ['cpu', 'memory'] as const) {
    const q: Quantity | undefined = list?.[name] !== undefined ? tryParseQuantity(list[name]) : undefined;
    if (q) out[name] = amountOf[name](q);
  }
  return out;
}

function add(a: PodAmounts, b: PodAmounts): PodAmounts {
  const out = { ...a };
  for (const k of ['cpu', 'memory'] as const) if (b[k] !== undefined) out[k] = (out[k] ?? 0) + b[k];
  return out;
}

function max(a: PodAmounts, b: PodAmounts): PodAmounts {
  const out = { ...a };
  for (const k of ['cpu', 'memory'] as const) if (b[k] !== undefined && (out[k] === undefined || b[k] > out[k])) out[k] = b[k];
  return out;
}

/**
 * Upstream's aggregation of containers' resources (the sidecar KEP's): the sum of the regular and
 * restartable init containers, or, if larger, what any init container needs while it runs (itself
 * plus the restartable init containers started before it).
 */
function aggregate(pod: Pod, of: (c: Container) => PodAmounts): PodAmounts {
  let sum: PodAmounts = {};
  for (const c of pod.spec?.containers ?? []) sum = add(sum, of(c));
  let sidecars: PodAmounts = {};
  let init: PodAmounts = {};
  for (const c of pod.spec?.initContainers ?? []) {
    if (isRestartableInitContainer(c)) {
      sum = add(sum, of(c));
      sidecars = add(sidecars, of(c));
      init = max(init, sidecars);
    } else {
      init = max(init, add(of(c), sidecars));
    }
  }
  return max(sum, init);
}

/** A container's requests, defaulted from its limits where it sets none (as the API server's defaulting). */
const containerRequests = (c: Container) => amounts({ ...c.resources?.limits, ...c.resources?.requests });

/** Upstream's PodRequests (CPU and memory): aggregated requests plus the pod's overhead. */
export function podRequests(pod: Pod): PodAmounts {
  return add(aggregate(pod, containerRequests), amounts(pod.spec?.overhead));
}

/** Upstream's PodLimits: aggregated limits, the overhead added to the limits that are set. */
export function podLimits(pod: Pod): PodAmounts {
  const limits = aggregate(pod, (c) => amounts(c.resources?.limits));
  const overhead = amounts(pod.spec?.overhead);
  for (const k of ['cpu', 'memory'] as const) if (limits[k] && overhead[k] !== undefined) limits[k] += overhead[k];
  return limits;
}

/** Whether every container (init containers included) sets a non-zero limit on the resource. */
function everyContainerLimits(pod: Pod, resource: 'cpu' | 'memory'): boolean {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.every((c) => (amounts(c.resources?.limits)[resource] ?? 0) > 0);
}

export interface PodCgroupSettings {
  /** cpuCFSQuota: false leaves the pod's quota unlimited (-1). */
  enforceCPULimits?: boolean;
  /** The CFS period in µs (cpuCFSQuotaPeriod). */
  cpuPeriod?: number;
  /** podPidsLimit; ≤ 0 for none. */
  podPidsLimit?: number;
}

/** Upstream's ResourceConfigForPod plus the pod container manager's pids limit. */
export function podResourceConfig(pod: Pod, s: PodCgroupSettings = {}): ResourceConfig {
  const period = s.cpuPeriod ?? QUOTA_PERIOD;
  const requests = podRequests(pod);
  const limits = podLimits(pod);
  const shares = milliCPUToShares(requests.cpu ?? 0);
  const quota = s.enforceCPULimits === false ? -1 : milliCPUToQuota(limits.cpu ?? 0, period);
  const out: ResourceConfig = {};
  switch (podQOSClass(pod.spec ?? {})) {
    case 'Guaranteed':
      Object.assign(out, { cpuShares: shares, cpuQuota: quota, cpuPeriod: period, memory: limits.memory ?? 0 });
      break;
    case 'Burstable':
      out.cpuShares = shares;
      if (everyContainerLimits(pod, 'cpu')) Object.assign(out, { cpuQuota: quota, cpuPeriod: period });
      if (everyContainerLimits(pod, 'memory')) out.memory = limits.memory ?? 0;
      break;
    case 'BestEffort':
      out.cpuShares = MIN_SHARES;
      break;
  }
  if (s.podPidsLimit !== undefined && s.podPidsLimit > 0) out.pidsLimit = s.podPidsLimit;
  return out;
}

/** The QoS cgroups (upstream's setCPUCgroupConfig): BestEffort 2 shares, Burstable its pods' requests. */
export function qosResourceConfigs(activePods: Pod[]): { besteffort: ResourceConfig; burstable: ResourceConfig } {
  let burstableMilli = 0;
  for (const p of activePods) if (podQOSClass(p.spec ?? {}) === 'Burstable') burstableMilli += podRequests(p).cpu ?? 0;
  return { besteffort: { cpuShares: MIN_SHARES }, burstable: { cpuShares: milliCPUToShares(burstableMilli) } };
}

/**
 * The node allocatable cgroup (kubepods), as upstream's getNodeAllocatableInternalAbsolute and
 * getCgroupConfig: capacity (pids included) minus kube- and system-reserved, never below zero; the
 * eviction thresholds are not taken out here (they are for the scheduler's allocatable only).
 * Without enforcement (enforceNodeAllocatable lacks "pods"), the capacity itself.
 */
export function nodeAllocatableConfig(
  capacity: { cpuMilli: number; memoryBytes: number; pids?: number },
  reserved: Record<string, Quantity>[],
  enforced: boolean,
): ResourceConfig {
  const minus = (name: string, value: number, of: (q: Quantity) => number) => {
    if (!enforced) return value;
    for (const r of reserved) if (r[name]) value -= of(r[name]);
    return Math.max(0, value);
  };
  const out: ResourceConfig = {
    cpuShares: milliCPUToShares(minus('cpu', capacity.cpuMilli, quantityMilliValue)),
    memory: minus('memory', capacity.memoryBytes, quantityValue),
  };
  if (capacity.pids !== undefined) out.pidsLimit = minus('pid', capacity.pids, quantityValue);
  return out;
}
