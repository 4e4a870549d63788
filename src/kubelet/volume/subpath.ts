// volumeMount subPaths, as upstream's makeMounts and pkg/volume/util/subpath (Linux): the subPath
// is validated (pure), created if missing without leaving the volume, then opened one path
// segment at a time refusing symlinks, and the open file (not its path) is bind-mounted to a
// kubelet-owned path that the runtime gets: a symlink swapped in after the check cannot
// redirect the mount (CVE-2017-1002101). Node has no openat/mkdirat; `/proc/self/fd/<dir fd>/<name>`
// is the same lookup, relative to the directory the descriptor pins.

import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rm, rmdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix, relative, isAbsolute } from 'node:path';
import type { VolumeMount } from '../../api/core/index.ts';
import { expandSubPathExpr } from '../container/expansion.ts';
import type { Mounter } from './mounter.ts';

/** Linux's O_PATH (x86_64 and arm64): a descriptor that pins a file without opening it for I/O. */
const O_PATH = 0o10000000;
const openPathFlags = O_PATH | constants.O_NOFOLLOW;
const openDirFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY;

export const subPathsDirName = 'volume-subpaths';

/**
 * A volumeMount's subPath (subPathExpr expanded with the container's environment), validated as
 * upstream's makeMounts does; '' when it has none.
 */
export function volumeMountSubPath(m: VolumeMount, env: ReadonlyMap<string, string>): string {
  const sub = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : (m.subPath ?? '');
  if (!sub) return '';
  if (posix.isAbsolute(sub)) throw new Error(`error SubPath \`${sub}\` must not be an absolute path`);
  if (sub.split('/').includes('..')) throw new Error(`unable to provision SubPath \`${sub}\`: must not contain '..'`);
  return sub;
}

/**
 * Whether path is base or below it (both clean and absolute). Upstream's StartsWithBackstep: only
 * a first segment of exactly `..` leaves the base — configMap and secret volumes keep their files
 * under `..2026_12_07_...` directories, which are inside it.
 */
export function pathWithinBase(path: string, base: string): boolean {
  const rel = relative(base, path);
  return rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel);
}

export interface SubPathBind {
  podDir: string;
  volumeName: string;
  /** The volume's directory on the host. */
  volumePath: string;
  /** The subPath inside it (validated). */
  subPath: string;
  containerName: string;
  /** The volumeMount's index in the container: one bind per mount. */
  mountIndex: number;
}

/** `<pod dir>/volume-subpaths/<volume>/<container>/<index>`, where the runtime finds the subPath. */
export function subPathBindTarget(s: Pick<SubPathBind, 'podDir' | 'volumeName' | 'containerName' | 'mountIndex'>): string {
  return join(s.podDir, subPathsDirName, s.volumeName, s.containerName, String(s.mountIndex));
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

/**
 * Opens pathname (free of symlinks, below base) segment by segment from base, refusing any
 * symlink met on the way (upstream's doSafeOpen). The handle pins the file; the caller closes it.
 */
export async function safeOpen(pathname: string, base: string): Promise<FileHandle> {
  const rel = relative(base, pathname);
  if (!pathWithinBase(pathname, base)) throw new Error(`path ${pathname} is outside of allowed base ${base}`);
  let current = await open(base, openPathFlags);
  try {
    for (const seg of rel === '' ? [] : rel.split('/')) {
      const child = await open(at(current, seg), openPathFlags);
      await current.close();
      current = child;
      if ((await current.stat()).isSymbolicLink()) throw new Error(`unexpected symlink found ${join(base, rel)}`);
    }
    return current;
  } catch (e) {
    await current.close().catch(() => undefined);
    throw e;
  }
}

/** The longest existing directory prefix of `base/sub` (following symlinks) and the names left to create. */
async function existingPrefix(base: string, segments: string[]): Promise<{ existing: string; toCreate: string[] }> {
  let existing = base;
  for (let i = 0; i < segments.length; i++) {
    const next = join(existing, segments[i]);
    try {
      await stat(next);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { existing, toCreate: segments.slice(i) };
      throw e;
    }
    existing = next;
  }
  return { existing, toCreate: [] };
}

/**
 * Creates the directory `base/sub` and its missing parents with mode, each one inside the one
 * before it by descriptor, so that no symlink can take the creation out of base (upstream's
 * SafeMakeDir). An existing directory is left as it is.
 */
export async function safeMakeDir(sub: string, volumePath: string, mode: number): Promise<void> {
  const base = await realpath(volumePath);
  const full = join(base, sub);
  if (!pathWithinBase(full, base)) throw new Error(`path ${full} is outside of allowed base ${base}`);
  const existingStat = await stat(full).catch(() => undefined);
  if (existingStat?.isDirectory()) return;
  if (existingStat) throw new Error(`mkdir ${full}: not a directory`);
  const { existing, toCreate } = await existingPrefix(base, relative(base, full).split('/'));
  const realExisting = await realpath(existing);
  if (!pathWithinBase(realExisting, base)) throw new Error(`path ${realExisting} is outside of allowed base ${base}`);
  let parent = await safeOpen(realExisting, base);
  try {
    for (const name of toCreate) {
      await mkdir(at(parent, name), { mode });
      const child = await open(at(parent, name), openDirFlags);
      await parent.close();
      parent = child;
      await parent.chmod(mode); // mkdir's mode went through the umask
    }
  } finally {
    await parent.close().catch(() => undefined);
  }
}

/** Whether target is a mount point of the same file the handle holds (a bind made before). */
async function boundAlready(mounter: Mounter, target: string, file: FileHandle): Promise<boolean> {
  if (!(await mounter.mountPointsUnder(target)).includes(target)) return false;
  const [want, have] = await Promise.all([file.stat(), lstat(target)]);
  if (want.dev === have.dev && want.ino === have.ino) return true;
  await mounter.unmount(target); // something else is mounted there
  return false;
}

/**
 * Bind-mounts the subPath for one volumeMount of a container and resolves to the path to give the
 * runtime (upstream's PrepareSafeSubpath / doBindSubPath). Refuses a subPath that resolves
 * outside its volume. A bind from an earlier start of the container is reused.
 */
export async function bindSubPath(mounter: Mounter, s: SubPathBind): Promise<string> {
  let volume: string;
  let path: string;
  try {
    volume = await realpath(s.volumePath);
    path = await realpath(join(s.volumePath, s.subPath));
  } catch (e) {
    throw new Error(`error resolving symlinks in ${JSON.stringify(join(s.volumePath, s.subPath))}: ${errText(e)}`);
  }
  if (!pathWithinBase(path, volume)) throw new Error(`subpath ${JSON.stringify(path)} not within volume path ${JSON.stringify(volume)}`);
  let file: FileHandle;
  try {
    file = await safeOpen(path, volume);
  } catch (e) {
    throw new Error(`error opening subpath ${path}: ${errText(e)}`);
  }
  const target = subPathBindTarget(s);
  try {
    if (await boundAlready(mounter, target, file)) return target;
    await mkdir(dirname(target), { recursive: true, mode: 0o750 });
    // A file is enough for any non-directory: the bind gives the target the source's type.
    if ((await file.stat()).isDirectory()) await mkdir(target, { mode: 0o750 }).catch(ignoreExists);
    else await writeFile(target, '', { mode: 0o640 });
    try {
      await mounter.bind(`/proc/${process.pid}/fd/${file.fd}`, target);
    } catch (e) {
      await rm(target).catch(() => rmdir(target)).catch(() => undefined); // the empty file or directory made above
      throw new Error(`error mounting ${path}: ${errText(e)}`);
    }
    return target;
  } finally {
    await file.close();
  }
}

function ignoreExists(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EEXIST') throw e;
}

/**
 * Unmounts every subPath bind of the pod and removes `<pod dir>/volume-subpaths` (upstream's
 * CleanSubPaths, here for all the pod's volumes at once). Nothing is removed while any bind is
 * left: removing through one would delete the volume's data.
 */
export async function cleanSubPaths(mounter: Mounter, podDir: string): Promise<void> {
  const dir = join(podDir, subPathsDirName);
  if (!(await readdir(dir).catch(() => undefined))) return;
  for (const p of await mounter.mountPointsUnder(dir)) await mounter.unmount(p);
  const left = await mounter.mountPointsUnder(dir);
  if (left.length) throw new Error(`subPath mounts still mounted after cleanup: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}
