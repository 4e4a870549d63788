// Filesystem use: a directory tree (du with an inode count, capped because it runs every
// housekeeping pass) and a whole mount (statfs).
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirUsage, FsCapacity } from './types.ts';

export interface DirUsageOptions {
  /** Stop after this many entries and report truncated (a huge emptyDir must not stall a pass). */
  maxEntries?: number;
  /** Directories read at once. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Like `du -s` plus `find | wc -l`: allocated blocks × 512, hard links counted once. */
export async function dirUsage(root: string, opts: DirUsageOptions = {}): Promise<DirUsage> {
  const maxEntries = opts.maxEntries ?? 100_000;
  const concurrency = opts.concurrency ?? 16;
  const seen = new Set<string>();
  let usedBytes = 0;
  let inodesUsed = 0;
  let entries = 0;
  let truncated = false;

  const account = async (path: string): Promise<boolean> => {
    try {
      const st = await lstat(path);
      const key = `${st.dev}:${st.ino}`;
      if (!seen.has(key)) {
        seen.add(key);
        usedBytes += st.blocks * 512;
        inodesUsed++;
      }
      return st.isDirectory();
    } catch {
      return false; // vanished while walking
    }
  };

  if (!(await account(root))) return { usedBytes, inodesUsed, truncated };
  let queue = [root];
  while (queue.length) {
    if (opts.signal?.aborted) return { usedBytes, inodesUsed, truncated: true };
    const batch = queue.splice(0, concurrency);
    const next = await Promise.all(
      batch.map(async (dir) => {
        let names: string[] = [];
        try { names = await readdir(dir); } catch { return []; }
        if (entries + names.length > maxEntries) {
          names = names.slice(0, Math.max(0, maxEntries - entries));
          truncated = true;
        }
        entries += names.length;
        const dirs: string[] = [];
        await Promise.all(names.map(async (n) => {
          const p = join(dir, n);
          if (await account(p)) dirs.push(p);
        }));
        return dirs;
      }),
    );
    for (const dirs of next) queue.push(...dirs);
    if (truncated) break;
  }
  return { usedBytes, inodesUsed, truncated };
}

/** The filesystem holding path; undefined when it cannot be read. */
export async function mountCapacity(path: string): Promise<FsCapacity | undefined> {
  try {
    const s = await statfs(path);
    const capacityBytes = s.blocks * s.bsize;
    return {
      capacityBytes,
      availableBytes: s.bavail * s.bsize,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
      inodesUsed: s.files - s.ffree,
    };
  } catch {
    return undefined;
  }
}
