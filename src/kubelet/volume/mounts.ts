// The CRI mounts of a container: its volumeMounts (with subPath/subPathExpr, readOnly and
// mountPropagation), the kubelet-managed /etc/hosts and the termination-log file.
// containerMounts is pure; makeContainerMounts is the shell that prepares the files first.

import { mkdir, realpath, stat } from 'node:fs/promises';
import { join, posix, relative, isAbsolute } from 'node:path';
import type { Mount, MountPropagation } from '../runtime/cri/types.ts';
import { podFieldValue } from './downward.ts';
import { writeEtcHosts, type EtcHostsOptions } from './etc_hosts.ts';
import { createTerminationLogFile } from './termination.ts';
import type { Container, Pod, VolumeMount } from '../../api/core/index.ts';
import type { MountedVolume } from './types.ts';

export const etcHostsContainerPath = '/etc/hosts';

export interface ContainerMountExtras {
  /** Host path of the pod's etc-hosts file; mounted at /etc/hosts unless a volume already is. */
  etcHostsPath?: string;
  /** Host path of this container's termination-log file, mounted at terminationMessagePath. */
  terminationLogPath?: string;
  /** The container's resolved environment, for subPathExpr (default: literal values and pod fieldRefs). */
  env?: Record<string, string>;
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

/** Expands $(VAR) from env as upstream's expansion does: $$ escapes, unknown references stay. */
export function expandVars(input: string, env: Record<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.hasOwn(env, name) ? env[name] : whole;
  });
}

/** The environment subPathExpr sees when none is given: literal values and pod fieldRefs. */
export function simpleContainerEnv(pod: Pod, container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandVars(e.value, env);
    else if (e.valueFrom?.fieldRef) {
      try {
        env[e.name] = podFieldValue(pod, e.valueFrom.fieldRef.fieldPath);
      } catch {
        // leave unset: the reference stays unexpanded
      }
    }
  }
  return env;
}

/** The subPath of a volumeMount (subPathExpr expanded), validated as upstream; '' when none. */
export function resolveSubPath(m: VolumeMount, env: () => Record<string, string>): string {
  const sub = m.subPathExpr ? expandVars(m.subPathExpr, env()) : (m.subPath ?? '');
  if (!sub) return '';
  if (posix.isAbsolute(sub)) throw new Error(`error SubPath \`${sub}\` must not be an absolute path`);
  if (sub.split('/').includes('..')) throw new Error(`unable to provision SubPath \`${sub}\`: must not contain '..'`);
  return sub;
}

function criMount(containerPath: string, hostPath: string, readonly: boolean, selinuxRelabel: boolean, propagation: MountPropagation = 'PROPAGATION_PRIVATE', recursiveReadOnly = false): Mount {
  return { containerPath, hostPath, readonly, selinuxRelabel, propagation, uidMappings: [], gidMappings: [], recursiveReadOnly, image: null };
}

export function containerMounts(pod: Pod, container: Container, mounted: Map<string, MountedVolume>, extras: ContainerMountExtras = {}): Mount[] {
  const mounts: Mount[] = [];
  let envCache: Record<string, string> | undefined;
  const env = () => (envCache ??= extras.env ?? simpleContainerEnv(pod, container));
  let mountEtcHosts = extras.etcHostsPath !== undefined;
  for (const m of container.volumeMounts ?? []) {
    const vol = mounted.get(m.name);
    if (!vol) throw new Error(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    const sub = resolveSubPath(m, env);
    const hostPath = sub ? join(vol.hostPath, sub) : vol.hostPath;
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

/** Creates a subPath inside its volume if missing, refusing one that escapes it through symlinks. */
export async function prepareSubPath(volumePath: string, subPath: string): Promise<void> {
  const target = join(volumePath, subPath);
  try {
    await stat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const mode = (await stat(volumePath)).mode & 0o7777;
    await mkdir(target, { recursive: true, mode });
  }
  const base = await realpath(volumePath);
  const real = await realpath(target);
  const rel = relative(base, real);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`subpath "${real}" not within volume path "${base}"`);
}

export interface MakeContainerMountsOptions extends EtcHostsOptions {
  rootDir: string;
  pod: Pod;
  container: Container;
  mounted: Map<string, MountedVolume>;
  /** The sandbox's IPs (node IPs for host-network pods); none means no /etc/hosts mount yet. */
  podIPs: string[];
  env?: Record<string, string>;
}

/**
 * Prepares what a new container instance needs on the host (etc-hosts, a fresh termination-log
 * file, subPath directories) and returns its CRI mounts.
 */
export async function makeContainerMounts(o: MakeContainerMountsOptions): Promise<Mount[]> {
  const uid = o.pod.metadata.uid ?? '';
  const etcHostsPath = await writeEtcHosts(o.rootDir, o.pod, o.podIPs, o);
  const terminationLogPath = o.container.terminationMessagePath ? await createTerminationLogFile(o.rootDir, uid, o.container.name) : undefined;
  const env = o.env ?? simpleContainerEnv(o.pod, o.container);
  for (const m of o.container.volumeMounts ?? []) {
    const vol = o.mounted.get(m.name);
    const sub = vol ? resolveSubPath(m, () => env) : '';
    if (vol && sub) await prepareSubPath(vol.hostPath, sub);
  }
  return containerMounts(o.pod, o.container, o.mounted, { etcHostsPath, terminationLogPath, env });
}
