// hostPath volumes: the path itself is bound into containers; `type` asks the kubelet to check
// (and for *OrCreate, to create) what is there first, with upstream's messages.

import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path); // follows symlinks, as upstream's checks do
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

const failed = (path: string, what: string) => new Error(`hostPath type check failed: ${path} is not ${what}`);

/** Checks (and for the *OrCreate types, creates) what the hostPath type requires. */
export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const t = (type ?? '') as HostPathType;
  switch (t) {
    case '':
      return;
    case 'DirectoryOrCreate': {
      if (!(await statOrUndefined(path))) await mkdir(path, { recursive: true, mode: 0o755 });
      if (!(await statOrUndefined(path))?.isDirectory()) throw failed(path, 'a directory');
      return;
    }
    case 'Directory':
      if (!(await statOrUndefined(path))?.isDirectory()) throw failed(path, 'a directory');
      return;
    case 'FileOrCreate': {
      if (!(await statOrUndefined(path))) {
        // O_CREAT without O_EXCL: a file appearing meanwhile is fine; a missing parent is an error, as upstream.
        const fh = await open(path, 'a', 0o644);
        await fh.close();
      }
      if (!(await statOrUndefined(path))?.isFile()) throw failed(path, 'a file');
      return;
    }
    case 'File':
      if (!(await statOrUndefined(path))?.isFile()) throw failed(path, 'a file');
      return;
    case 'Socket':
      if (!(await statOrUndefined(path))?.isSocket()) throw failed(path, 'a socket file');
      return;
    case 'CharDevice':
      if (!(await statOrUndefined(path))?.isCharacterDevice()) throw failed(path, 'a character device');
      return;
    case 'BlockDevice':
      if (!(await statOrUndefined(path))?.isBlockDevice()) throw failed(path, 'a block device');
      return;
    default:
      throw new Error(`invalid HostPathType: ${JSON.stringify(type)}`);
  }
}
