// Pod-level cgroup directories in the cgroupfs layout (`/kubepods/{burstable,besteffort}/pod<uid>`,
// Guaranteed pods directly under `/kubepods`). runc creates the containers' own cgroups but
// leaves these parents behind, so the kubelet creates them before the sandbox and removes them
// once the pod is gone, as upstream's pod container manager does.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Controllers the kubelet makes pod directories in (cgroup v1); runc handles the rest (cpuset included). */
export const POD_CGROUP_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'hugetlb'];

/** The hierarchies to act in: the root itself on cgroup v2, each controller's mount on v1. */
export function cgroupHierarchies(root = '/sys/fs/cgroup', controllers = POD_CGROUP_CONTROLLERS): string[] {
  if (existsSync(join(root, 'cgroup.controllers')) && !existsSync(join(root, 'memory'))) return [root];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of controllers) {
    const dir = join(root, c);
    try {
      if (!statSync(dir).isDirectory()) continue;
      // cpu and cpuacct are often one hierarchy mounted twice (cpu,cpuacct): act once.
      const key = String(statSync(dir).ino) + ':' + String(statSync(dir).dev);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(dir);
    } catch { /* controller not mounted */ }
  }
  return out;
}

export interface PodCgroups {
  ensure(parent: string): Promise<void>;
  remove(parent: string): Promise<void>;
  /** The pod directories (`pod<uid>`) that exist, for orphan cleanup. */
  list(): string[];
}

export function createPodCgroups(root = '/sys/fs/cgroup', controllers = POD_CGROUP_CONTROLLERS): PodCgroups {
  // Which controllers are mounted where does not change while the kubelet runs: look once.
  let known: string[] | undefined;
  const hierarchies = () => (known ??= cgroupHierarchies(root, controllers));
  return {
    async ensure(parent) {
      await Promise.all(hierarchies().map((h) => mkdir(join(h, parent), { recursive: true })));
    },
    async remove(parent) {
      // runc also creates the pod directory in hierarchies the kubelet does not manage
      // (cpuset, devices, freezer, systemd...): remove it from all of them, children first.
      for (const h of allHierarchies(root)) await rmdirTree(join(h, parent));
    },
    list() {
      const out = new Set<string>();
      for (const h of hierarchies()) {
        for (const base of ['kubepods', 'kubepods/burstable', 'kubepods/besteffort']) {
          try {
            for (const d of readdirSync(join(h, base))) if (d.startsWith('pod')) out.add(`/${base}/${d}`);
          } catch { /* absent */ }
        }
      }
      return [...out];
    },
  };
}

/** Every mounted hierarchy under root (each distinct directory once; v2: the root). */
export function allHierarchies(root = '/sys/fs/cgroup'): string[] {
  if (existsSync(join(root, 'cgroup.controllers'))) return [root];
  const seen = new Set<string>();
  const out: string[] = [];
  let names: string[] = [];
  try { names = readdirSync(root); } catch { return []; }
  for (const n of names) {
    const dir = join(root, n);
    try {
      const st = statSync(dir);
      const key = `${st.dev}:${st.ino}`;
      if (!st.isDirectory() || seen.has(key)) continue;
      seen.add(key);
      out.push(dir);
    } catch { /* vanished */ }
  }
  return out;
}

/** rmdir a cgroup directory and its child cgroups (cgroup files go with their directory). */
async function rmdirTree(dir: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try { entries = await readdir(dir, { withFileTypes: true }); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  try { await rmdir(dir); } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
