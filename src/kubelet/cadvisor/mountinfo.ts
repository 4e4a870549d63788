// /proc/self/mountinfo → mounts, and from them the cgroup layout: v1 (one mount per controller
// set, cpu and cpuacct possibly separate) or v2 (one unified mount). Pure, plus a thin reader.
import { readFile } from 'node:fs/promises';

export interface MountInfo {
  mountID: number;
  parentID: number;
  /** major:minor of the device. */
  device: string;
  /** The directory of the filesystem mounted here (for cgroups: the cgroup path at the mount). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses mountinfo text; malformed lines are skipped. */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 6 || fields.length < sep + 3) continue;
    out.push({
      mountID: Number(fields[0]),
      parentID: Number(fields[1]),
      device: fields[2],
      root: unescapeOctal(fields[3]),
      mountPoint: unescapeOctal(fields[4]),
      fsType: fields[sep + 1],
      source: unescapeOctal(fields[sep + 2]),
      superOptions: (fields[sep + 3] ?? '').split(',').filter(Boolean),
    });
  }
  return out;
}

export interface CgroupMount {
  mountPoint: string;
  /** Cgroup path at the mount point ('/' on the host; deeper inside a container). */
  root: string;
}

export type CgroupLayout =
  | { version: 1; controllers: Record<string, CgroupMount> }
  | { version: 2; unified: CgroupMount };

const V1_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc']);

/**
 * Decides the layout. Any v1 hierarchy that carries cpu, cpuacct or memory makes it v1 (hybrid
 * machines such as this one also mount an empty cgroup2 at .../unified: it is ignored); else a
 * cgroup2 mount makes it v2. Undefined when no cgroup filesystem is mounted.
 */
export function cgroupLayout(mounts: MountInfo[]): CgroupLayout | undefined {
  const controllers: Record<string, CgroupMount> = {};
  let unified: CgroupMount | undefined;
  for (const m of mounts) {
    if (m.fsType === 'cgroup') {
      for (const opt of m.superOptions) {
        // The first mount of a controller wins (bind mounts repeat it elsewhere).
        if (V1_CONTROLLERS.has(opt) && !controllers[opt]) controllers[opt] = { mountPoint: m.mountPoint, root: m.root };
      }
    } else if (m.fsType === 'cgroup2' && !unified) {
      unified = { mountPoint: m.mountPoint, root: m.root };
    }
  }
  if (controllers.cpu || controllers.cpuacct || controllers.memory) return { version: 1, controllers };
  if (unified) return { version: 2, unified };
  return undefined;
}

/** The directory of cgroupPath inside a mount, honouring a mount whose root is not '/'. */
export function cgroupDir(mount: CgroupMount, cgroupPath: string): string {
  let rel = cgroupPath.startsWith('/') ? cgroupPath : `/${cgroupPath}`;
  if (mount.root !== '/' && (rel === mount.root || rel.startsWith(mount.root + '/'))) rel = rel.slice(mount.root.length);
  rel = rel.replace(/\/+$/, '');
  return mount.mountPoint.replace(/\/+$/, '') + rel;
}

/** Reads and decides the layout of this process's mount namespace. */
export async function readCgroupLayout(path = '/proc/self/mountinfo'): Promise<CgroupLayout | undefined> {
  return cgroupLayout(parseMountinfo(await readFile(path, 'utf8')));
}
