// emptyDir volumes: a world-writable directory under the pod's volumes dir, or a tmpfs for
// `medium: Memory` (also the backing of secret and projected volumes, as upstream).

import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseQuantity, quantityValue } from '../../api/quantity.ts';
import { applyVolumeOwnership } from './fsgroup.ts';
import type { Mounter } from './mounter.ts';
import type { Pod } from '../../api/core/index.ts';

export function quantityBytes(q: string | number | undefined): number | undefined {
  if (q === undefined || q === '') return undefined;
  return quantityValue(parseQuantity(q));
}

/**
 * The size of a memory-backed volume: the pod's memory limit when every app container has one,
 * otherwise node allocatable memory, capped by sizeLimit (upstream's SizeMemoryBackedVolumes).
 */
export function memoryVolumeSize(pod: Pod, sizeLimitBytes: number | undefined, nodeAllocatableMemoryBytes: number | undefined): number | undefined {
  const containers = pod.spec.containers ?? [];
  const limits = containers.map((c) => quantityBytes(c.resources?.limits?.memory));
  const podLimit = containers.length > 0 && limits.every((l) => l !== undefined) ? limits.reduce((a, b) => a! + b!, 0) : undefined;
  const ceiling = podLimit ?? nodeAllocatableMemoryBytes;
  const candidates = [sizeLimitBytes, ceiling].filter((v): v is number => v !== undefined && v > 0);
  return candidates.length ? Math.min(...candidates) : undefined;
}

export interface EmptyDirSetup {
  dir: string;
  medium: string;
  memorySizeBytes?: number;
  fsGroup?: number;
  mounter: Mounter;
}

/**
 * Creates the directory (or mounts the tmpfs) once; later calls find it in place. Resolves to
 * whether this call made it (created the directory or mounted the tmpfs).
 */
export async function setUpEmptyDir(s: EmptyDirSetup): Promise<boolean> {
  if (s.medium !== '' && s.medium !== 'Memory') throw new Error(`emptyDir medium ${JSON.stringify(s.medium)} is not supported`);
  let fresh = false;
  try {
    await lstat(s.dir);
  } catch {
    fresh = true;
  }
  await mkdir(s.dir, { recursive: true, mode: 0o750 });
  if (s.medium === 'Memory' && !(await s.mounter.isMountPoint(s.dir))) {
    await s.mounter.mountTmpfs(s.dir, s.memorySizeBytes);
    fresh = true;
  }
  if (fresh) {
    await chmod(s.dir, 0o777); // writable whatever user the containers run as, as upstream
    if (s.fsGroup !== undefined) await applyVolumeOwnership(s.dir, s.fsGroup, false);
  }
  return fresh;
}

/** Unmounts the tmpfs if there is one, then removes the directory. */
export async function tearDownEmptyDir(dir: string, mounter: Mounter): Promise<void> {
  if (await mounter.isMountPoint(dir)) await mounter.unmount(dir);
  await rm(dir, { recursive: true, force: true });
}

/** Bytes used below dir (files' allocated blocks, as du counts them). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    let st;
    try {
      st = await lstat(path);
    } catch {
      return; // vanished meanwhile
    }
    total += st.blocks * 512;
    if (st.isDirectory()) for (const name of await readdir(path).catch(() => [] as string[])) await walk(join(path, name));
  };
  await walk(dir);
  return total;
}
