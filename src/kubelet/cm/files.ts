// From a ResourceConfig to the files to write in one cgroup, per cgroup version: v1's per-controller
// files (cpu.shares, cpu.cfs_quota_us, memory.limit_in_bytes, pids.max), or v2's unified ones
// with runc's conversions (cpu.weight from shares, cpu.max "quota period", memory.max, pids.max).
// Pure: cgroupfs.ts writes them.
import type { ResourceConfig } from './resources.ts';

export type CgroupVersion = 1 | 2;
export type Controller = 'cpu' | 'memory' | 'pids';

/** One file of one cgroup: on v1 under the controller's hierarchy, on v2 in the unified one. */
export interface CgroupFile { controller: Controller; name: string; value: string }

/** runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] onto cpu.weight's [1, 10000]; 0 stays unset. */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc's cpu.max: "max" for no quota (≤ 0), the period after it when one is set. */
export function cpuMax(quota: number | undefined, period: number | undefined): string | undefined {
  if (!quota && !period) return undefined;
  const q = quota !== undefined && quota > 0 ? String(quota) : 'max';
  return period ? `${q} ${period}` : q;
}

const unlimited = (n: number, max: string) => (n > 0 ? String(n) : max);

function v1Files(c: ResourceConfig): CgroupFile[] {
  const out: CgroupFile[] = [];
  if (c.cpuShares !== undefined) out.push({ controller: 'cpu', name: 'cpu.shares', value: String(c.cpuShares) });
  // The period first: a quota is checked against it.
  if (c.cpuPeriod !== undefined) out.push({ controller: 'cpu', name: 'cpu.cfs_period_us', value: String(c.cpuPeriod) });
  if (c.cpuQuota !== undefined) out.push({ controller: 'cpu', name: 'cpu.cfs_quota_us', value: String(c.cpuQuota > 0 ? c.cpuQuota : -1) });
  if (c.memory !== undefined) out.push({ controller: 'memory', name: 'memory.limit_in_bytes', value: unlimited(c.memory, '-1') });
  if (c.pidsLimit !== undefined) out.push({ controller: 'pids', name: 'pids.max', value: unlimited(c.pidsLimit, 'max') });
  return out;
}

function v2Files(c: ResourceConfig): CgroupFile[] {
  const out: CgroupFile[] = [];
  if (c.cpuShares) out.push({ controller: 'cpu', name: 'cpu.weight', value: String(cpuSharesToWeight(c.cpuShares)) });
  const max = cpuMax(c.cpuQuota, c.cpuPeriod);
  if (max !== undefined) out.push({ controller: 'cpu', name: 'cpu.max', value: max });
  if (c.memory !== undefined) out.push({ controller: 'memory', name: 'memory.max', value: unlimited(c.memory, 'max') });
  if (c.pidsLimit !== undefined) out.push({ controller: 'pids', name: 'pids.max', value: unlimited(c.pidsLimit, 'max') });
  return out;
}

export function cgroupFiles(config: ResourceConfig, version: CgroupVersion): CgroupFile[] {
  return version === 2 ? v2Files(config) : v1Files(config);
}
