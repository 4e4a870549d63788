// Pod-level cgroup directories in the cgroupfs layout (`/kubepods/{burstable,besteffort}/pod<uid>`,
// Guaranteed pods directly under `/kubepods`). runc creates the containers' own cgroups but
// leaves these parents behind, so the kubelet creates them before the sandbox and removes them
// once the pod is gone, as upstream's pod container manager does.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
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
  const hierarchies = () => cgroupHierarchies(root, controllers);
  return {
    async ensure(parent) {
      for (const h of hierarchies()) await mkdir(join(h, parent), { recursive: true });
    },
    async remove(parent) {
      for (const h of hierarchies()) {
        try { await rmdir(join(h, parent)); } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
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
