// The ContainerConfig for CreateContainer (upstream's generateContainerConfig and its Linux
// part). Pure: env, mounts and the image reference are worked out by the caller.
import { parseQuantity, quantityMilliValue, quantityValue } from '../../api/quantity.ts';
import type { ContainerConfig, In, LinuxContainerResources, Mount, NamespaceOption } from '../runtime/cri/types.ts';
import { containerAnnotations, containerLabels } from './labels.ts';
import type { Container, Pod } from '../../api/core/index.ts';
import { oomScoreAdjust } from './qos.ts';
import { podNamespaceOptions } from './sandbox.ts';
import { milliCPUToQuota, milliCPUToShares, QUOTA_PERIOD } from '../cm/index.ts';

/** Upstream's default masked and read-only /proc and /sys paths for unprivileged containers. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export function linuxResources(pod: Pod, c: Container, memoryCapacityBytes: number): In<LinuxContainerResources> {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuReq = requests.cpu ?? limits.cpu;
  const r: In<LinuxContainerResources> = {
    cpuShares: milliCPUToShares(cpuReq !== undefined ? quantityMilliValue(parseQuantity(cpuReq)) : 0),
    oomScoreAdj: oomScoreAdjust(pod, c, memoryCapacityBytes),
  };
  if (limits.cpu !== undefined) {
    r.cpuQuota = milliCPUToQuota(quantityMilliValue(parseQuantity(limits.cpu)));
    r.cpuPeriod = QUOTA_PERIOD;
  }
  if (limits.memory !== undefined) r.memoryLimitInBytes = quantityValue(parseQuantity(limits.memory));
  return r;
}

export interface ContainerConfigInput {
  restartCount: number;
  /** The image as the runtime resolved it (its ID). */
  imageRef: string;
  env: { name: string; value: string }[];
  command: string[];
  args: string[];
  mounts: In<Mount>[];
  memoryCapacityBytes: number;
  /** An ephemeral container's target (targetContainerName): the runtime ID whose PID namespace it joins. */
  targetId?: string;
}

/**
 * The container's namespaces: the pod's, and for an ephemeral container with a target the
 * target's PID namespace, as upstream: "if nsTarget != nil && pid == CONTAINER" the mode becomes
 * TARGET with target_id (a pod sharing one PID namespace, or the host's, keeps that).
 */
export function containerNamespaceOptions(pod: Pod, targetId: string | undefined): Pick<NamespaceOption, 'network' | 'pid' | 'ipc'> & { targetId?: string } {
  const ns = podNamespaceOptions(pod);
  if (targetId && ns.pid === 'CONTAINER') return { ...ns, pid: 'TARGET', targetId };
  return ns;
}

/** `<container>/<restartCount>.log`, relative to the sandbox's log directory. */
export function containerLogPath(name: string, restartCount: number): string {
  return `${name}/${restartCount}.log`;
}

export function containerConfig(pod: Pod, c: Container, i: ContainerConfigInput): In<ContainerConfig> {
  const psc = pod.spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const privileged = !!sc.privileged;
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  return {
    metadata: { name: c.name, attempt: i.restartCount },
    image: { image: i.imageRef, userSpecifiedImage: c.image ?? '' },
    command: i.command,
    args: i.args,
    workingDir: c.workingDir ?? '',
    envs: i.env.map((e) => ({ key: e.name, value: e.value })),
    mounts: i.mounts,
    labels: containerLabels(pod, c),
    annotations: containerAnnotations(pod, c, i.restartCount),
    logPath: containerLogPath(c.name, i.restartCount),
    stdin: !!c.stdin,
    stdinOnce: !!c.stdinOnce,
    tty: !!c.tty,
    linux: {
      resources: linuxResources(pod, c, i.memoryCapacityBytes),
      securityContext: {
        capabilities: { addCapabilities: sc.capabilities?.add ?? [], dropCapabilities: sc.capabilities?.drop ?? [] },
        privileged,
        namespaceOptions: containerNamespaceOptions(pod, i.targetId),
        runAsUser: runAsUser !== undefined ? { value: runAsUser } : null,
        runAsGroup: runAsGroup !== undefined ? { value: runAsGroup } : null,
        readonlyRootfs: !!sc.readOnlyRootFilesystem,
        supplementalGroups: [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])],
        noNewPrivs: sc.allowPrivilegeEscalation === false,
        maskedPaths: privileged ? [] : DEFAULT_MASKED_PATHS,
        readonlyPaths: privileged ? [] : DEFAULT_READONLY_PATHS,
      },
    },
  };
}
