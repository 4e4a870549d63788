// The effectful shell of the container manager: the cgroupfs driver. It makes cgroups (kubepods,
// the QoS classes', pods') in every hierarchy the kubelet manages (v1) or the unified one (v2),
// writes the files files.ts lists for a ResourceConfig, and removes a cgroup from every hierarchy
// (runc makes the pod's directory in the others too, and leaves it behind).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupFiles, type CgroupVersion } from './files.ts';
import type { ResourceConfig } from './resources.ts';

/** Controllers the kubelet makes pod directories in (cgroup v1); runc handles the rest (cpuset included). */
export const POD_CGROUP_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'hugetlb'];

/** The hierarchies to act in: the root itself on cgroup v2, each controller's mount on v1. */
export function cgroupHierarchies(root = '/sys/fs/cgroup', controllers = POD_CGROUP_CONTROLLERS): string[] {
  if (cgroupVersion(root) === 2) return [root];
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

/** The cgroups the kubelet owns, made and set through the cgroupfs driver (the only one Berth has). */
export interface Cgroupfs {
  version: CgroupVersion;
  /** Creates the cgroup (parents included) where the kubelet manages it, then writes the config. */
  apply(path: string, config: ResourceConfig): Promise<void>;
  /** Removes the cgroup from every hierarchy (runc makes it in those the kubelet does not manage too). */
  remove(path: string): Promise<void>;
}

const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'];

export function cgroupVersion(root = '/sys/fs/cgroup'): CgroupVersion {
  return existsSync(join(root, 'cgroup.controllers')) && !existsSync(join(root, 'memory')) ? 2 : 1;
}

export function createCgroupfs(root = '/sys/fs/cgroup', controllers = POD_CGROUP_CONTROLLERS): Cgroupfs {
  const version = cgroupVersion(root);
  // Which controllers are mounted where does not change while the kubelet runs: look once.
  let known: string[] | undefined;
  const hierarchies = () => (known ??= cgroupHierarchies(root, controllers));
  return {
    version,
    async apply(path, config) {
      if (version === 2) await mkdirV2(root, path);
      else await Promise.all(hierarchies().map((h) => mkdir(join(h, path), { recursive: true })));
      const failed: string[] = [];
      for (const f of cgroupFiles(config, version)) {
        const file = version === 2 ? join(root, path, f.name) : join(root, f.controller, path, f.name);
        try { await writeFile(file, f.value); } catch (err) { failed.push(`${f.name}=${f.value}: ${(err as Error).message}`); }
      }
      if (failed.length) throw new Error(`failed to set cgroup ${path}: ${failed.join('; ')}`);
    },
    async remove(path) {
      // runc also creates the pod directory in hierarchies the kubelet does not manage
      // (cpuset, devices, freezer, systemd...): remove it from all of them, children first.
      for (const h of allHierarchies(root)) await rmdirTree(join(h, path));
    },
  };
}

/** cgroup v2: each level is made with the controllers of its parent enabled for it (as runc does). */
async function mkdirV2(root: string, path: string): Promise<void> {
  let dir = root;
  for (const part of path.split('/').filter(Boolean)) {
    let available: string[] = [];
    try { available = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).split(/\s+/); } catch { /* none */ }
    const enable = V2_CONTROLLERS.filter((c) => available.includes(c)).map((c) => `+${c}`).join(' ');
    if (enable) await writeFile(join(dir, 'cgroup.subtree_control'), enable).catch(() => {});
    dir = join(dir, part);
    await mkdir(dir, { recursive: true });
  }
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

/** The node's process limit, as upstream's pidlimit.Stats: the lower of pid_max and threads-max. */
export async function machinePidLimit(proc = '/proc'): Promise<number | undefined> {
  const read = async (f: string) => Number((await readFile(join(proc, 'sys/kernel', f), 'utf8').catch(() => '')).trim()) || undefined;
  const limits = [await read('pid_max'), await read('threads-max')].filter((n): n is number => n !== undefined);
  return limits.length ? Math.min(...limits) : undefined;
}
