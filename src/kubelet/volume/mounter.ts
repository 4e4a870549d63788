// Mounting, behind a small interface so that volume logic runs in unit tests without root.
// The real one shells out to mount(8)/umount(8) and reads /proc/self/mountinfo.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

export interface Mounter {
  /** Mounts a fresh tmpfs at target (which must exist); size in bytes when given. */
  mountTmpfs(target: string, sizeBytes?: number): Promise<void>;
  unmount(target: string): Promise<void>;
  isMountPoint(target: string): Promise<boolean>;
  /** Mount points at or below dir, deepest first (the order to unmount them in). */
  mountPointsUnder(dir: string): Promise<string[]>;
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

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<void> {
  return new Promise((ok, fail) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (err) fail(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else ok();
    });
  });
}

export function createMounter(opts: { mountinfoPath?: string } = {}): Mounter {
  const mountinfo = opts.mountinfoPath ?? '/proc/self/mountinfo';
  const points = async () => parseMountInfo(await readFile(mountinfo, 'utf8'));
  return {
    async mountTmpfs(target, sizeBytes) {
      const args = ['-t', 'tmpfs'];
      if (sizeBytes !== undefined && sizeBytes > 0) args.push('-o', `size=${Math.ceil(sizeBytes)}`);
      await run('mount', [...args, 'tmpfs', target]);
    },
    async unmount(target) {
      await run('umount', [target]);
    },
    async isMountPoint(target) {
      return (await points()).includes(resolve(target));
    },
    async mountPointsUnder(dir) {
      return mountPointsBelow(await points(), dir);
    },
  };
}
