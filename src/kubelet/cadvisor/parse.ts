// Pure parsers for the cgroup and /proc file formats, and the pure assembly of CPU and memory
// stats from them (v1 and v2 differ in file names, units and the inactive-file key).
import type { CpuStats, InterfaceStats, MemoryStats } from './types.ts';

/** "key value" lines (cpu.stat, memory.stat, cpuacct.stat, memory.oom_control, memory.events). */
export function parseFlatKeyed(text: string): Record<string, number> {
  // A hand scan: every pass parses a few hundred of these; split/trim/regex per line showed up.
  const out: Record<string, number> = {};
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const space = text.indexOf(' ', start);
    if (space > start && space < end) {
      const value = Number(text.slice(space + 1, end));
      if (Number.isInteger(value) && text.charCodeAt(space + 1) !== 32) out[text.slice(start, space)] = value;
    }
    start = end + 1;
  }
  return out;
}

/** A single number, or "max" (v2) → undefined; empty/garbage → undefined. */
export function parseSingleValue(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  return Number(t);
}

/** cpuacct.usage_percpu: space-separated nanoseconds per core. */
export function parsePerCpu(text: string): number[] {
  return text.trim().split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isFinite(n));
}

/** cgroup.procs / tasks / cgroup.threads: one id a line. */
export function countLines(text: string): number {
  let n = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start && text.slice(start, end).trim()) n++;
    start = end + 1;
  }
  return n;
}

/**
 * cpuacct.usage_all ("cpu user system" in ns, a line per core): per-core totals and the
 * user/system split in one read, where cpuacct.usage_percpu and cpuacct.stat take two.
 */
export function parseUsageAll(text: string): { perCpu: number[]; user: number; system: number } | undefined {
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('cpu ')) return undefined;
  const perCpu: number[] = [];
  let user = 0;
  let system = 0;
  for (let i = 1; i < lines.length; i++) {
    const [cpu, u, sys] = lines[i].split(' ');
    if (cpu === undefined || u === undefined || sys === undefined) continue;
    const un = Number(u);
    const sn = Number(sys);
    perCpu[Number(cpu)] = un + sn;
    user += un;
    system += sn;
  }
  return { perCpu, user, system };
}

/** /proc/<pid>/net/dev → interfaces (lo excluded, as cAdvisor does), sorted by name. */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || name === 'lo' || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({
      name,
      rxBytes: f[0], rxPackets: f[1], rxErrors: f[2], rxDropped: f[3],
      txBytes: f[8], txPackets: f[9], txErrors: f[10], txDropped: f[11],
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Kernels report v1 "no limit" as 2^63 rounded down to a page; anything that large is unlimited. */
const UNLIMITED_THRESHOLD = 2 ** 62;
/** cpuacct.stat counts USER_HZ ticks; Linux fixes USER_HZ at 100 on every architecture we run on. */
const USER_HZ = 100;

function limitOrUndefined(n: number | undefined): number | undefined {
  return n === undefined || n >= UNLIMITED_THRESHOLD ? undefined : n;
}

export interface V1CpuFiles {
  usage?: string; // cpuacct.usage
  stat?: string; // cpuacct.stat
  perCpu?: string; // cpuacct.usage_percpu
  usageAll?: string; // cpuacct.usage_all (kernel ≥ 4.7): replaces the three above
  cpuStat?: string; // cpu.stat (throttling)
}

export function cpuFromV1(files: V1CpuFiles): CpuStats {
  const all = files.usageAll !== undefined ? parseUsageAll(files.usageAll) : undefined;
  const stat = parseFlatKeyed(files.stat ?? '');
  const throttle = parseFlatKeyed(files.cpuStat ?? '');
  const perCpu = all?.perCpu ?? (files.perCpu !== undefined ? parsePerCpu(files.perCpu) : undefined);
  const ticksToNs = (t: number | undefined) => ((t ?? 0) * 1e9) / USER_HZ;
  return {
    usageCoreNanoSeconds: parseSingleValue(files.usage ?? '') ?? perCpu?.reduce((a, b) => a + b, 0) ?? 0,
    userNanoSeconds: all ? all.user : ticksToNs(stat.user),
    systemNanoSeconds: all ? all.system : ticksToNs(stat.system),
    ...(perCpu && perCpu.length ? { perCpuNanoSeconds: perCpu } : {}),
    throttling: {
      periods: throttle.nr_periods ?? 0,
      throttledPeriods: throttle.nr_throttled ?? 0,
      throttledTimeNanoSeconds: throttle.throttled_time ?? 0,
    },
  };
}

/** v2 cpu.stat carries usage, user/system and throttling, all in microseconds. */
export function cpuFromV2(cpuStat: string): CpuStats {
  const s = parseFlatKeyed(cpuStat);
  return {
    usageCoreNanoSeconds: (s.usage_usec ?? 0) * 1000,
    userNanoSeconds: (s.user_usec ?? 0) * 1000,
    systemNanoSeconds: (s.system_usec ?? 0) * 1000,
    throttling: {
      periods: s.nr_periods ?? 0,
      throttledPeriods: s.nr_throttled ?? 0,
      throttledTimeNanoSeconds: (s.throttled_usec ?? 0) * 1000,
    },
  };
}

function withDerived(m: Omit<MemoryStats, 'workingSetBytes' | 'availableBytes'>, inactiveFile: number): MemoryStats {
  const workingSetBytes = Math.max(0, m.usageBytes - inactiveFile);
  const out: MemoryStats = { ...m, workingSetBytes };
  if (m.limitBytes !== undefined) out.availableBytes = Math.max(0, m.limitBytes - workingSetBytes);
  return out;
}

export interface V1MemoryFiles {
  usage?: string; // memory.usage_in_bytes
  limit?: string; // memory.limit_in_bytes
  stat?: string; // memory.stat
  oomControl?: string; // memory.oom_control
}

/** v1: the total_* keys include descendants (a pod's cgroup holds none of its own pages). */
export function memoryFromV1(files: V1MemoryFiles): MemoryStats {
  const s = parseFlatKeyed(files.stat ?? '');
  const oom = parseFlatKeyed(files.oomControl ?? '');
  const pick = (k: string) => s[`total_${k}`] ?? s[k] ?? 0;
  const limitBytes = limitOrUndefined(parseSingleValue(files.limit ?? ''));
  return withDerived(
    {
      usageBytes: parseSingleValue(files.usage ?? '') ?? 0,
      rssBytes: pick('rss'),
      cacheBytes: pick('cache'),
      pageFaults: pick('pgfault'),
      majorPageFaults: pick('pgmajfault'),
      oomEvents: oom.oom_kill ?? 0,
      ...(files.oomControl !== undefined ? { underOom: (oom.under_oom ?? 0) === 1 } : {}),
      ...(limitBytes !== undefined ? { limitBytes } : {}),
    },
    pick('inactive_file'),
  );
}

export interface V2MemoryFiles {
  current?: string; // memory.current
  max?: string; // memory.max
  stat?: string; // memory.stat
  events?: string; // memory.events
}

export function memoryFromV2(files: V2MemoryFiles): MemoryStats {
  const s = parseFlatKeyed(files.stat ?? '');
  const ev = parseFlatKeyed(files.events ?? '');
  const limitBytes = limitOrUndefined(parseSingleValue(files.max ?? ''));
  return withDerived(
    {
      usageBytes: parseSingleValue(files.current ?? '') ?? 0,
      rssBytes: s.anon ?? 0,
      cacheBytes: s.file ?? 0,
      pageFaults: s.pgfault ?? 0,
      majorPageFaults: s.pgmajfault ?? 0,
      oomEvents: ev.oom_kill ?? 0,
      ...(limitBytes !== undefined ? { limitBytes } : {}),
    },
    s.inactive_file ?? 0,
  );
}
