// One `berth up` per data dir: a lock file holding the owner's pid; a stale one is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes DIR/berth.lock; returns its release. Throws if a live process holds it. */
export async function acquireDataDirLock(dataDir: string): Promise<() => void> {
  const file = join(dataDir, 'berth.lock');
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder && holder !== process.pid && alive(holder)) {
        throw new Error(`data dir ${dataDir} is in use by another berth up (pid ${holder}); stop it first or choose another --data-dir`);
      }
      rmSync(file, { force: true });
    }
  }
}
