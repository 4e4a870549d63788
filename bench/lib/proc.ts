// CPU time and memory of processes from /proc (Linux), for benchmarks: one child's CPU and RSS,
// and who spent the machine's cores by process group (this process, the kubelet, containerd, its
// shims). Children reaped by a process (runc under a shim, CNI plugins) count towards it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { listProcesses, parseStatParent, type ProcessEntry } from '../../src/containerd/process.ts';

// One /proc listing for the managed containerd and the benchmarks.
export { listProcesses, parseStatParent, type ProcessEntry };

export interface CpuTicks {
  /** utime + stime: the process itself. */
  self: number;
  /** cutime + cstime: children it has waited for (exec'd helpers). */
  children: number;
}

/** Fields of /proc/<pid>/stat; the command name (field 2) may hold spaces, so split after ')'. Pure. */
export function parseStatTicks(stat: string): CpuTicks {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  const n = (field: number) => Number(f[field - 3]);
  return { self: n(14) + n(15), children: n(16) + n(17) };
}

/** VmRSS of /proc/<pid>/status in KiB. Pure. */
export function parseRssKib(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('no VmRSS in /proc status (process gone?)');
  return Number(m[1]);
}

export function readCpuTicks(pid: number): CpuTicks {
  return parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readRssKib(pid: number): number {
  return parseRssKib(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Clock ticks per second (USER_HZ), almost always 100. */
export function clockTicksPerSecond(): number {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return v > 0 ? v : 100;
  } catch {
    return 100;
  }
}

const TICKS_PER_S = 100; // USER_HZ; 100 on every Linux build that matters here

export type Grouper = (pid: number, argv: string[]) => string | undefined;

/**
 * The containerd a benchmark started (by PID) and the shims serving its socket (their `-address`),
 * and no other containerd or shim on the machine. Pure.
 */
export function ownContainerd(ctrd: { pid: number; address: string }): Grouper {
  return (pid, argv) => {
    if (pid === ctrd.pid) return 'containerd';
    const i = argv.indexOf('-address');
    if (/containerd-shim/.test(argv[0] ?? '') && i >= 0 && argv[i + 1] === ctrd.address) return 'shims';
    return undefined;
  };
}

/** utime + stime + cutime + cstime of one process, in seconds; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const t = readCpuTicks(pid);
    return (t.self + t.children) / TICKS_PER_S;
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

export interface ProcessWindow {
  wallSeconds: number;
  /** Mean CPU of the process itself over the window, in cores. */
  cores: number;
  /** The busiest sampling interval, in cores. */
  maxIntervalCores: number;
  /** CPU of children it reaped (exec'd helpers), in cores. */
  childCores: number;
  rssKib: number[];
}

/**
 * Samples one process's CPU and RSS for `seconds`, every `everyMs`; `check` runs before each
 * sample (throw to abort, e.g. when the process died). Intervals shorter than `minIntervalMs`
 * (the window's last) count in the mean but not as a peak.
 */
export async function sampleProcess(pid: number, seconds: number, everyMs: number, minIntervalMs: number, check: () => void = () => {}): Promise<ProcessWindow> {
  const hz = clockTicksPerSecond();
  const t0 = performance.now();
  const cpu0 = readCpuTicks(pid);
  const rssKib = [readRssKib(pid)];
  const intervals: number[] = [];
  let prevTicks = cpu0.self;
  let prevT = t0;
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, end - performance.now()))));
    check();
    const now = performance.now();
    const ticks = readCpuTicks(pid).self;
    if (now - prevT > minIntervalMs) intervals.push((ticks - prevTicks) / hz / ((now - prevT) / 1000));
    prevTicks = ticks;
    prevT = now;
    rssKib.push(readRssKib(pid));
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu1 = readCpuTicks(pid);
  return {
    wallSeconds,
    cores: (cpu1.self - cpu0.self) / hz / wallSeconds,
    maxIntervalCores: intervals.length ? Math.max(...intervals) : 0,
    childCores: (cpu1.children - cpu0.children) / hz / wallSeconds,
    rssKib,
  };
}
