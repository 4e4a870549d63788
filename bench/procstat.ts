// One process's CPU time and resident memory from /proc, for benchmarks that watch a child.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
