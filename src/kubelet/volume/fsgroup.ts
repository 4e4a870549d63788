// Pod securityContext.fsGroup applied to a volume, as upstream's SetVolumeOwnership: every entry
// gets the group, files gain group read (and write, for writable volumes), directories also
// gain setgid and group search so that new files inherit the group.

import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const rwMask = 0o660;
const roMask = 0o440;
const execMask = 0o110;
const setgid = 0o2000;

/** The permission bits an entry ends up with once fsGroup ownership is applied. */
export function fsGroupMode(mode: number, isDir: boolean, readOnly: boolean): number {
  let mask = readOnly ? roMask : rwMask;
  if (isDir) mask |= setgid | execMask;
  return (mode & 0o7777) | mask;
}

/** Gives dir and everything below it the group fsGroup (symlinks get the group, never a chmod). */
export async function applyVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path);
    await lchown(path, st.uid, fsGroup);
    if (st.isSymbolicLink()) return;
    await chmod(path, fsGroupMode(st.mode, st.isDirectory(), readOnly));
    if (st.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(dir);
}
