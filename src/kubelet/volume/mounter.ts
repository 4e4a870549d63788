// Mounting, behind a small interface so that volume logic runs in unit tests without root.
// The real one runs mount(8)/umount(8) through one long-lived helper shell, tells a mount point
// by its device number (as upstream's IsLikelyNotMountPoint) and reads /proc/self/mountinfo
// only to list what is mounted below a directory.

import { stat, readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { MountHelper } from './mount_helper.ts';

export interface Mounter {
  /** Mounts a fresh tmpfs at target (which must exist); size in bytes when given. */
  mountTmpfs(target: string, sizeBytes?: number): Promise<void>;
  /** Bind-mounts source at target (which must exist), without resolving source's symlinks. */
  bind(source: string, target: string): Promise<void>;
  unmount(target: string): Promise<void>;
  /** Whether something is mounted at target (false when it does not exist). */
  isMountPoint(target: string): Promise<boolean>;
  /** Mount points at or below dir, deepest first (the order to unmount them in). */
  mountPointsUnder(dir: string): Promise<string[]>;
  /** Releases what the mounter holds (the helper process); optional. */
  close?(): void;
}

/** Mount points from /proc/self/mountinfo text (field 5, with octal escapes such as \040 decoded). */
export function parseMountInfo(text: string): string[] {
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    points.push(fields[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return points;
}

/** The mount points at or below dir, deepest first. */
export function mountPointsBelow(points: string[], dir: string): string[] {
  const base = resolve(dir);
  const inside = points.filter((p) => p === base || p.startsWith(base + sep));
  return [...new Set(inside)].sort((a, b) => b.length - a.length);
}

/**
 * Reads through `read`, sharing reads among callers: a caller joins the next read that starts
 * after its call (never one already in flight, which could miss a mount it just made).
 */
export function coalescedReader<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const p = read().finally(() => {
      if (inFlight === p) inFlight = undefined;
    });
    inFlight = p;
    return p;
  };
  return () => {
    if (!inFlight) return start();
    next ??= inFlight.catch(() => undefined).then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}

/** A tmpfs (or any mount) has a device of its own: its device differs from its parent's. */
export async function likelyMountPoint(target: string): Promise<boolean> {
  const path = resolve(target);
  let own;
  try {
    own = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (path === '/') return true;
  return own.dev !== (await stat(dirname(path))).dev;
}

export function createMounter(opts: { mountinfoPath?: string; shell?: string } = {}): Mounter {
  const mountinfo = opts.mountinfoPath ?? '/proc/self/mountinfo';
  const points = coalescedReader(async () => parseMountInfo(await readFile(mountinfo, 'utf8')));
  const helper = new MountHelper({ shell: opts.shell });
  return {
    mountTmpfs: (target, sizeBytes) => helper.run({ op: 'tmpfs', target: resolve(target), sizeBytes }),
    bind: (source, target) => helper.run({ op: 'bind', source, target: resolve(target) }),
    unmount: (target) => helper.run({ op: 'umount', target: resolve(target) }),
    isMountPoint: likelyMountPoint,
    async mountPointsUnder(dir) {
      return mountPointsBelow(await points(), dir);
    },
    close: () => helper.close(),
  };
}
