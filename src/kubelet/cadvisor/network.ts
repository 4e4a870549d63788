// Network stats of a network namespace, read through any process in it: /proc/<pid>/net/dev.
// Every container of a pod shares the sandbox's namespace, so one read serves the whole pod.
import { readFileSync } from 'node:fs';
import { parseNetDev } from './parse.ts';
import type { NetworkStats } from './types.ts';

export type ReadText = (path: string) => Promise<string>;

/** Undefined when the process is gone (the container exited between listing and reading). */
export async function readNetwork(pid: number, procRoot = '/proc', read: ReadText = async (p) => readFileSync(p, 'utf8')): Promise<NetworkStats | undefined> {
  try {
    return { interfaces: parseNetDev(await read(`${procRoot}/${pid}/net/dev`)) };
  } catch {
    return undefined;
  }
}
