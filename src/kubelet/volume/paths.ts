// The kubelet's per-pod data directories under --root-dir, laid out as upstream's:
//   <root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>
//   <root>/pods/<uid>/plugins
//   <root>/pods/<uid>/containers/<container>/<id>   (termination-log files)
//   <root>/pods/<uid>/etc-hosts

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mounter } from './mounter.ts';

export type VolumePluginName =
  | 'kubernetes.io/empty-dir'
  | 'kubernetes.io/host-path'
  | 'kubernetes.io/configmap'
  | 'kubernetes.io/secret'
  | 'kubernetes.io/downward-api'
  | 'kubernetes.io/projected';

/** A plugin name as a single path segment: upstream escapes '/' as '~'. */
export function escapePluginName(plugin: string): string {
  return plugin.replaceAll('/', '~');
}

export function podsDir(root: string): string {
  return join(root, 'pods');
}

export function podDir(root: string, uid: string): string {
  if (!uid || uid.includes('/') || uid === '.' || uid === '..') throw new Error(`invalid pod UID ${JSON.stringify(uid)}`);
  return join(podsDir(root), uid);
}

export function podVolumesDir(root: string, uid: string): string {
  return join(podDir(root, uid), 'volumes');
}

export function podPluginsDir(root: string, uid: string): string {
  return join(podDir(root, uid), 'plugins');
}

export function podContainersDir(root: string, uid: string): string {
  return join(podDir(root, uid), 'containers');
}

export function podContainerDir(root: string, uid: string, container: string): string {
  return join(podContainersDir(root, uid), container);
}

export function etcHostsPath(root: string, uid: string): string {
  return join(podDir(root, uid), 'etc-hosts');
}

export function volumeDir(root: string, uid: string, plugin: VolumePluginName, volumeName: string): string {
  return join(podVolumesDir(root, uid), escapePluginName(plugin), volumeName);
}

/** Creates the pod's data directories (0750 as upstream); idempotent. */
export async function makePodDataDirs(root: string, uid: string): Promise<void> {
  await mkdir(podDir(root, uid), { recursive: true, mode: 0o750 });
  await Promise.all([podVolumesDir(root, uid), podPluginsDir(root, uid), podContainersDir(root, uid)].map((dir) => mkdir(dir, { recursive: true, mode: 0o750 })));
}

/**
 * Removes the pod's data directories. Refuses while anything is still mounted under them
 * (a tmpfs left behind would otherwise leak, and removing through a mount deletes its data);
 * unmount the pod's volumes first.
 */
export async function cleanupPodDataDirs(root: string, uid: string, mounter?: Pick<Mounter, 'mountPointsUnder'>): Promise<void> {
  const dir = podDir(root, uid);
  if (mounter) {
    const mounted = await mounter.mountPointsUnder(dir);
    if (mounted.length > 0) throw new Error(`pod ${uid} still has mounted volumes: ${mounted.join(', ')}`);
  }
  await rm(dir, { recursive: true, force: true });
}
