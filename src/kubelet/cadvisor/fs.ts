// Filesystem use: a directory tree (du with an inode count, capped because it runs every
// housekeeping pass) and a whole mount (statfs). Both use synchronous calls: on local and
// pseudo filesystems a sync lstat costs a few microseconds where a promise-based one costs ten
// times that in libuv round trips; long walks yield to the event loop every few hundred entries.
import { lstatSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DirUsage, FsCapacity } from './types.ts';

export interface DirUsageOptions {
  /** Stop after this many entries and report truncated (a huge emptyDir must not stall a pass). */
  maxEntries?: number;
  /** Entries handled between yields to the event loop. */
  entriesPerSlice?: number;
  signal?: AbortSignal;
}

/** Like `du -s` plus `find | wc -l`: allocated blocks × 512, hard links counted once. */
export async function dirUsage(root: string, opts: DirUsageOptions = {}): Promise<DirUsage> {
  const maxEntries = opts.maxEntries ?? 100_000;
  const perSlice = opts.entriesPerSlice ?? 512;
  const seen = new Set<string>();
  let usedBytes = 0;
  let inodesUsed = 0;
  let entries = 0;
  let truncated = false;

  /** Counts path once (hard links); true when it is a directory to descend into. */
  const account = (path: string): boolean => {
    try {
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) return false; // vanished while walking
      const key = `${st.dev}:${st.ino}`;
      if (!seen.has(key)) {
        seen.add(key);
        usedBytes += st.blocks * 512;
        inodesUsed++;
      }
      return st.isDirectory();
    } catch {
      return false;
    }
  };

  if (!account(root)) return { usedBytes, inodesUsed, truncated };
  const queue = [root];
  let sinceYield = 0;
  while (queue.length) {
    if (opts.signal?.aborted) return { usedBytes, inodesUsed, truncated: true };
    const dir = queue.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    if (entries + names.length > maxEntries) {
      names = names.slice(0, Math.max(0, maxEntries - entries));
      truncated = true;
    }
    entries += names.length;
    for (const n of names) {
      const p = join(dir, n);
      if (account(p)) queue.push(p);
    }
    if (truncated) break;
    sinceYield += names.length + 1;
    if (sinceYield >= perSlice) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  return { usedBytes, inodesUsed, truncated };
}

/** The filesystem holding path; undefined when it cannot be read. */
export async function mountCapacity(path: string): Promise<FsCapacity | undefined> {
  try {
    const s = statfsSync(path);
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
