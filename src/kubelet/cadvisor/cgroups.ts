// Reads one cgroup's CPU, memory and process stats on cgroup v1 (a mount per controller, cpu
// and cpuacct possibly apart) or v2 (unified). File access goes through an injectable CgroupFs
// so tests run on fixture trees; all reads of one cgroup happen in parallel.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupDir, type CgroupLayout, type CgroupMount } from './mountinfo.ts';
import { countLines, cpuFromV1, cpuFromV2, memoryFromV1, memoryFromV2, parseSingleValue } from './parse.ts';
import type { CpuStats, MemoryStats, ProcessStats } from './types.ts';

export interface CgroupFs {
  readFile(path: string): Promise<string>;
  /** Names of the subdirectories (child cgroups) of path. */
  listDirs(path: string): Promise<string[]>;
}

export const nodeCgroupFs: CgroupFs = {
  readFile: (path) => readFile(path, 'utf8'),
  async listDirs(path) {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  },
};

export interface CgroupStats {
  cpu: CpuStats;
  memory: MemoryStats;
  processes: ProcessStats;
}

export class CgroupNotFoundError extends Error {
  constructor(readonly cgroupPath: string) {
    super(`cgroup ${cgroupPath} not found`);
    this.name = 'CgroupNotFoundError';
  }
}

/** Cgroups visited when counting processes: a pod and its containers; bounded for /kubepods and the root (a lower bound there). */
const MAX_DIRS_FOR_PROCS = 32;

export class CgroupReader {
  constructor(
    private readonly layout: CgroupLayout,
    private readonly fs: CgroupFs = nodeCgroupFs,
  ) {}

  get version(): 1 | 2 {
    return this.layout.version;
  }

  /** Reads one cgroup. Throws CgroupNotFoundError when it is gone (container exited). */
  async read(cgroupPath: string): Promise<CgroupStats> {
    return this.layout.version === 2 ? this.readV2(this.layout.unified, cgroupPath) : this.readV1(this.layout.controllers, cgroupPath);
  }

  /** The first process of a cgroup (its own cgroup.procs only), or undefined when empty or gone. */
  async firstPid(cgroupPath: string): Promise<number | undefined> {
    const l = this.layout;
    const mount = l.version === 2 ? l.unified : (l.controllers.pids ?? l.controllers.memory ?? l.controllers.cpuacct);
    if (!mount) return undefined;
    const text = await this.optional(join(cgroupDir(mount, cgroupPath), 'cgroup.procs'));
    const first = Number.parseInt(text ?? '', 10);
    return Number.isFinite(first) && first > 0 ? first : undefined;
  }

  private async readV1(c: Record<string, CgroupMount>, cgroupPath: string): Promise<CgroupStats> {
    const at = (ctrl: string, file: string) => (c[ctrl] ? this.optional(join(cgroupDir(c[ctrl], cgroupPath), file)) : Promise.resolve(undefined));
    const [usage, stat, perCpu, cpuStat, memUsage, memLimit, memStat, oomControl, pidsCurrent] = await Promise.all([
      at('cpuacct', 'cpuacct.usage'),
      at('cpuacct', 'cpuacct.stat'),
      at('cpuacct', 'cpuacct.usage_percpu'),
      at('cpu', 'cpu.stat'),
      at('memory', 'memory.usage_in_bytes'),
      at('memory', 'memory.limit_in_bytes'),
      at('memory', 'memory.stat'),
      at('memory', 'memory.oom_control'),
      at('pids', 'pids.current'),
    ]);
    if (usage === undefined && memUsage === undefined) throw new CgroupNotFoundError(cgroupPath);
    // The pids hierarchy lists processes; a process may sit at different paths per hierarchy
    // (not under runc, but this very kubelet can), so take the first where the cgroup exists.
    let counted = { procs: 0, threads: 0 };
    for (const ctrl of ['pids', 'memory', 'cpuacct', 'cpu']) {
      if (!c[ctrl]) continue;
      const dir = cgroupDir(c[ctrl], cgroupPath);
      if ((await this.optional(join(dir, 'cgroup.procs'))) === undefined) continue;
      counted = await this.countTasks(dir, 'tasks');
      break;
    }
    return {
      cpu: cpuFromV1({ usage, stat, perCpu, cpuStat }),
      memory: memoryFromV1({ usage: memUsage, limit: memLimit, stat: memStat, oomControl }),
      processes: { count: counted.procs, threads: parseSingleValue(pidsCurrent ?? '') ?? counted.threads },
    };
  }

  private async readV2(m: CgroupMount, cgroupPath: string): Promise<CgroupStats> {
    const dir = cgroupDir(m, cgroupPath);
    const f = (file: string) => this.optional(join(dir, file));
    const [cpuStat, current, max, memStat, events, pidsCurrent] = await Promise.all([
      f('cpu.stat'), f('memory.current'), f('memory.max'), f('memory.stat'), f('memory.events'), f('pids.current'),
    ]);
    if (cpuStat === undefined && current === undefined) throw new CgroupNotFoundError(cgroupPath);
    const counted = await this.countTasks(dir, 'cgroup.threads');
    return {
      cpu: cpuFromV2(cpuStat ?? ''),
      memory: memoryFromV2({ current, max, stat: memStat, events }),
      processes: { count: counted.procs, threads: parseSingleValue(pidsCurrent ?? '') ?? counted.threads },
    };
  }

  /** Counts cgroup.procs and threads over dir and its descendants, breadth first, bounded. */
  private async countTasks(dir: string, threadsFile: string): Promise<{ procs: number; threads: number }> {
    let procs = 0;
    let threads = 0;
    let level = [dir];
    let visited = 0;
    while (level.length && visited < MAX_DIRS_FOR_PROCS) {
      level = level.slice(0, MAX_DIRS_FOR_PROCS - visited);
      visited += level.length;
      const results = await Promise.all(
        level.map(async (d) => {
          const [p, t, children] = await Promise.all([
            this.optional(join(d, 'cgroup.procs')),
            this.optional(join(d, threadsFile)),
            this.fs.listDirs(d).catch(() => [] as string[]),
          ]);
          return { p: countLines(p ?? ''), t: countLines(t ?? ''), children: children.map((c) => join(d, c)) };
        }),
      );
      level = [];
      for (const r of results) {
        procs += r.p;
        threads += r.t;
        level.push(...r.children);
      }
    }
    return { procs, threads };
  }

  private async optional(path: string): Promise<string | undefined> {
    try {
      return await this.fs.readFile(path);
    } catch {
      return undefined;
    }
  }
}
