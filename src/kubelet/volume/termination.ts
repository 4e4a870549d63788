// The file behind a container's terminationMessagePath: a fresh, world-writable file per
// container instance under <root>/pods/<uid>/containers/<name>/, as upstream, so that a
// restarted container never sees its predecessor's message.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { podContainerDir } from './paths.ts';

/** Where a termination-log file with the given id lives. */
export function terminationLogPath(root: string, uid: string, containerName: string, id: string): string {
  return join(podContainerDir(root, uid, containerName), id);
}

/** Creates an empty termination-log file (0666) with a random 8-hex-digit name; returns its path. */
export async function createTerminationLogFile(root: string, uid: string, containerName: string): Promise<string> {
  await mkdir(podContainerDir(root, uid, containerName), { recursive: true, mode: 0o750 });
  const path = terminationLogPath(root, uid, containerName, randomBytes(4).toString('hex'));
  await writeFile(path, '', { mode: 0o666, flag: 'wx' });
  await chmod(path, 0o666); // the umask must not take the write bit from non-root containers
  return path;
}

/** Reads a termination message, at most maxBytes (upstream caps it at 4096). */
export async function readTerminationMessage(path: string, maxBytes = 4096): Promise<string> {
  try {
    const data = await readFile(path);
    return data.subarray(0, maxBytes).toString('utf8');
  } catch {
    return '';
  }
}
