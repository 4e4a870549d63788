// The CRI mounts of a container: its volumeMounts (with subPath/subPathExpr, readOnly and
// mountPropagation), the kubelet-managed /etc/hosts and the termination-log file.
// containerMounts is pure; makeContainerMounts is the shell that prepares the files and the
// subPath binds first (subpath.ts).

import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Mount, MountPropagation } from '../runtime/cri/types.ts';
import { writeEtcHosts, type EtcHostsOptions } from './etc_hosts.ts';
import { podDir } from './paths.ts';
import { safeMakeDir, volumeMountSubPath, type SubPathBind } from './subpath.ts';
import { createTerminationLogFile } from './termination.ts';
import type { Container, Pod, VolumeMount } from '../../api/core/index.ts';
import type { MountedVolume } from './types.ts';

export const etcHostsContainerPath = '/etc/hosts';

export interface ContainerMountExtras {
  /** Host path of the pod's etc-hosts file; mounted at /etc/hosts unless a volume already is. */
  etcHostsPath?: string;
  /** Host path of this container's termination-log file, mounted at terminationMessagePath. */
  terminationLogPath?: string;
  /** By volumeMount index: where the runtime finds each mount's subPath (its safe bind). */
  subPathHostPaths?: ReadonlyMap<number, string>;
}

function propagationOf(m: VolumeMount): MountPropagation {
  switch (m.mountPropagation ?? 'None') {
    case 'None':
      return 'PROPAGATION_PRIVATE';
    case 'HostToContainer':
      return 'PROPAGATION_HOST_TO_CONTAINER';
    case 'Bidirectional':
      return 'PROPAGATION_BIDIRECTIONAL';
    default:
      throw new Error(`invalid mount propagation mode ${JSON.stringify(m.mountPropagation)} for volumeMount "${m.name}"`);
  }
}

function volumeOf(mounted: Map<string, MountedVolume>, m: VolumeMount, container: Container): MountedVolume {
  const vol = mounted.get(m.name);
  if (!vol) throw new Error(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
  return vol;
}

function criMount(containerPath: string, hostPath: string, readonly: boolean, selinuxRelabel: boolean, propagation: MountPropagation = 'PROPAGATION_PRIVATE', recursiveReadOnly = false): Mount {
  return { containerPath, hostPath, readonly, selinuxRelabel, propagation, uidMappings: [], gidMappings: [], recursiveReadOnly, image: null };
}

export function containerMounts(pod: Pod, container: Container, mounted: Map<string, MountedVolume>, extras: ContainerMountExtras = {}): Mount[] {
  const mounts: Mount[] = [];
  let mountEtcHosts = extras.etcHostsPath !== undefined;
  for (const [i, m] of (container.volumeMounts ?? []).entries()) {
    const vol = volumeOf(mounted, m, container);
    let hostPath = vol.hostPath;
    if (m.subPath || m.subPathExpr) {
      const bound = extras.subPathHostPaths?.get(i);
      // Never the joined path: the runtime would resolve it, symlinks and all.
      if (bound === undefined) throw new Error(`subPath of volumeMount "${m.name}" of container "${container.name}" is not prepared`);
      hostPath = bound;
    }
    const readOnly = m.readOnly === true || vol.readOnly;
    const rro = m.recursiveReadOnly === 'Enabled' || (m.recursiveReadOnly === 'IfPossible' && readOnly);
    mounts.push(criMount(m.mountPath, hostPath, readOnly, vol.selinuxRelabel ?? false, propagationOf(m), rro));
    if (posix.normalize(m.mountPath) === etcHostsContainerPath) mountEtcHosts = false;
  }
  if (mountEtcHosts) mounts.push(criMount(etcHostsContainerPath, extras.etcHostsPath!, false, true));
  if (extras.terminationLogPath && container.terminationMessagePath) {
    mounts.push(criMount(container.terminationMessagePath, extras.terminationLogPath, false, true));
  }
  return mounts;
}

export interface MakeContainerMountsOptions extends EtcHostsOptions {
  rootDir: string;
  pod: Pod;
  container: Container;
  mounted: Map<string, MountedVolume>;
  /** The sandbox's IPs (node IPs for host-network pods); none means no /etc/hosts mount yet. */
  podIPs: string[];
  /** The container's environment, which subPathExpr expands from (upstream's makeEnvironmentVariables). */
  env: ReadonlyMap<string, string>;
  /** Binds a subPath safely and resolves to the path for the runtime (VolumeManager.bindSubPath). */
  bindSubPath: (s: SubPathBind) => Promise<string>;
}

/** Creates (safely) a missing subPath directory and binds it; errors keep host paths out, as upstream's. */
async function prepareSubPath(o: MakeContainerMountsOptions, m: VolumeMount, index: number, subPath: string): Promise<string> {
  const vol = volumeOf(o.mounted, m, o.container);
  const what = `volumeMount ${JSON.stringify(m.name)} of container ${JSON.stringify(o.container.name)}`;
  const exists = await stat(posix.join(vol.hostPath, subPath)).then(() => true, () => false);
  if (!exists) {
    try {
      await safeMakeDir(subPath, vol.hostPath, (await stat(vol.hostPath)).mode & 0o7777);
    } catch (cause) {
      throw new Error(`failed to create subPath directory for ${what}`, { cause });
    }
  }
  try {
    return await o.bindSubPath({
      podDir: podDir(o.rootDir, o.pod.metadata.uid ?? ''), volumeName: m.name, volumePath: vol.hostPath, subPath,
      containerName: o.container.name, mountIndex: index,
    });
  } catch (cause) {
    throw new Error(`failed to prepare subPath for ${what}`, { cause });
  }
}

/**
 * Prepares what a new container instance needs on the host (etc-hosts, a fresh termination-log
 * file, subPath directories and their binds) and returns its CRI mounts.
 */
export async function makeContainerMounts(o: MakeContainerMountsOptions): Promise<Mount[]> {
  const subPathHostPaths = new Map<number, string>();
  for (const [i, m] of (o.container.volumeMounts ?? []).entries()) {
    volumeOf(o.mounted, m, o.container);
    const sub = volumeMountSubPath(m, o.env);
    if (sub) subPathHostPaths.set(i, await prepareSubPath(o, m, i, sub));
  }
  const uid = o.pod.metadata.uid ?? '';
  const etcHostsPath = await writeEtcHosts(o.rootDir, o.pod, o.podIPs, o);
  const terminationLogPath = o.container.terminationMessagePath ? await createTerminationLogFile(o.rootDir, uid, o.container.name) : undefined;
  return containerMounts(o.pod, o.container, o.mounted, { etcHostsPath, terminationLogPath, subPathHostPaths });
}
