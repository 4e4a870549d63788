// CPU time by process group from /proc (Linux), for benchmarks that want to say who spent the
// machine's cores: this process, the kubelet, containerd, its shims. Children reaped by a process
// (runc under a shim, CNI plugins under containerd) count towards it.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ; 100 on every Linux build that matters here

export type Grouper = (pid: number, argv: string[]) => string | undefined;

/** utime + stime + cutime + cstime of one process, in seconds; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU seconds so far, summed per group the grouper names. */
export function cpuByGroup(group: Grouper): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let argv: string[];
    try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    const g = group(pid, argv);
    if (g) out[g] = (out[g] ?? 0) + processCpuSeconds(pid);
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** Starts a measurement; the returned function gives CPU seconds per group spent since, and machine busy %. */
export function startCpuMeter(group: Grouper): () => { cpuSeconds: Record<string, number>; machineBusyPct: number } {
  const before = cpuByGroup(group);
  const m0 = machineJiffies();
  return () => {
    const after = cpuByGroup(group);
    const m1 = machineJiffies();
    const cpuSeconds: Record<string, number> = {};
    // A process that exited in between drops out; groups that grew are what we report.
    for (const [g, v] of Object.entries(after)) cpuSeconds[g] = Number(Math.max(0, v - (before[g] ?? 0)).toFixed(2));
    const total = m1.total - m0.total;
    return { cpuSeconds, machineBusyPct: total > 0 ? Number(((100 * (m1.busy - m0.busy)) / total).toFixed(1)) : 0 };
  };
}
