// generateApiPodStatus: the API PodStatus of a pod from the runtime's view of it, as upstream's
// generateAPIPodStatus. Pure: the same inputs give a deep-equal status, so an unchanged pod costs
// no API write. Time-dependent parts (lastTransitionTime, startTime) come from `oldStatus` and `now`.
import { isIPv4, isIPv6 } from 'node:net';
import type { Pod, PodCondition, PodIP, PodStatus } from '../../api/core/index.ts';
import { rfc3339 } from '../../api/object.ts';
import { deadlineExceededMessage, deadlineExceededReason, isStaticPod, pastActiveDeadline, podQOSClass } from '../../api/pod/index.ts';
import type { RuntimePodStatus } from '../container/types.ts';
import {
  containersReadyCondition,
  initializedCondition,
  podReadyCondition,
  readyToStartContainersCondition,
  replaceOrAppendCondition,
  withTransitionTimes,
} from './conditions.ts';
import { apiContainerStatuses, apiEphemeralContainerStatuses, type WaitingReason } from './container_statuses.ts';
import { podPhase } from './phase.ts';
import { isKubeletOwnedCondition, isTerminalPhase } from './types.ts';

export interface GenerateOptions {
  /** The status manager's last status for the pod; the pod's API status when it has none. */
  oldStatus?: PodStatus;
  /** The node's IPs, primary first (hostIP/hostIPs, and the pod IPs of host-network pods). */
  nodeIPs: string[];
  now: Date;
  /** Why containers that are not running wait (ContainerCreating, CrashLoopBackOff, ErrImagePull, ...). */
  waitingReasons?: ReadonlyMap<string, WaitingReason>;
  /** Readiness probe result by container ID (`containerd://…`); undefined while there is none. */
  readiness?: (containerId: string) => boolean | undefined;
  /** Startup probe result by container ID; undefined while there is none. */
  startup?: (containerId: string) => boolean | undefined;
  /** The pod is terminating for good; its containers will not be restarted. */
  podIsTerminal?: boolean;
  /** Overrides the activeDeadlineSeconds check (computed from startTime and `now` when omitted). */
  deadlineExceeded?: boolean;
}

/** The first IP of the node's family, then the first of the other family (upstream's sortPodIPs). */
export function sortPodIPs(ips: string[], nodeIPs: string[]): string[] {
  const primaryIsV6 = nodeIPs.length > 0 && isIPv6(nodeIPs[0]!);
  const [primary, secondary] = primaryIsV6 ? [isIPv6, isIPv4] : [isIPv4, isIPv6];
  const out: string[] = [];
  const first = ips.find((ip) => primary(ip));
  if (first) out.push(first);
  const second = ips.find((ip) => secondary(ip));
  if (second) out.push(second);
  return out;
}

export function generateApiPodStatus(pod: Pod, runtime: RuntimePodStatus | undefined, opts: GenerateOptions): PodStatus {
  const spec = pod.spec;
  const apiStatus: PodStatus = pod.status ?? {};
  const old: PodStatus = opts.oldStatus ?? apiStatus;
  const now = rfc3339(opts.now);
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const initContainers = spec.initContainers ?? [];
  const containers = spec.containers ?? [];
  const deleting = Boolean(pod.metadata.deletionTimestamp);
  const common = {
    hasInitContainers: initContainers.length > 0,
    regularContainerNames: containers.map((c) => c.name),
    restartPolicy,
    deleting,
    runtime,
    waitingReasons: opts.waitingReasons ?? new Map<string, WaitingReason>(),
    readiness: opts.readiness ?? (() => undefined),
    startup: opts.startup ?? (() => undefined),
  };
  const containerStatuses = apiContainerStatuses({ ...common, containers, isInit: false, previous: old.containerStatuses });
  const initContainerStatuses = apiContainerStatuses({ ...common, containers: initContainers, isInit: true, previous: old.initContainerStatuses });
  const all = [...containerStatuses, ...initContainerStatuses];
  const ephemeralContainerStatuses = apiEphemeralContainerStatuses({ ...common, containers: spec.ephemeralContainers ?? [], previous: old.ephemeralContainerStatuses });

  const podHasInitialized = (runtime?.containers ?? []).some((c) => containers.some((s) => s.name === c.name) && c.state !== 'created');
  let phase = podPhase({ spec, statuses: all, podIsTerminal: opts.podIsTerminal ?? false, isStatic: isStaticPod(pod), podHasInitialized });
  // A terminal phase, once reported by the status manager or the API, never goes back.
  if (!isTerminalPhase(phase)) {
    if (isTerminalPhase(old.phase)) phase = old.phase!;
    else if (isTerminalPhase(apiStatus.phase)) phase = apiStatus.phase!;
  }
  let reason: string | undefined;
  let message: string | undefined;
  if (phase === old.phase) {
    reason = old.reason || apiStatus.reason || undefined;
    message = old.message || apiStatus.message || undefined;
  }

  const startTime = old.startTime ?? apiStatus.startTime ?? now;
  if (opts.deadlineExceeded ?? pastActiveDeadline(spec, startTime, opts.now)) {
    phase = 'Failed';
    reason = deadlineExceededReason;
    message = deadlineExceededMessage;
  }
  if (isTerminalPhase(apiStatus.phase)) phase = apiStatus.phase!;

  // Conditions others own are kept as the API has them; DisruptionTarget as the kubelet last set it.
  let conditions: PodCondition[] = (apiStatus.conditions ?? []).filter((c) => !isKubeletOwnedCondition(c.type));
  const disruption = old.conditions?.find((c) => c.type === 'DisruptionTarget');
  if (disruption) conditions = replaceOrAppendCondition(conditions, disruption);
  conditions.push(
    readyToStartContainersCondition(spec, runtime),
    initializedCondition(spec, all, phase),
    podReadyCondition(spec, conditions, all, phase),
    containersReadyCondition(spec, all, phase),
    { type: 'PodScheduled', status: 'True', lastProbeTime: null },
  );
  const previousConditions = old.conditions ?? apiStatus.conditions;

  const status: PodStatus = { phase, conditions: withTransitionTimes(conditions, previousConditions, now) };
  if (reason) status.reason = reason;
  if (message) status.message = message;

  const hostIPs = opts.nodeIPs.length > 0 ? opts.nodeIPs.slice(0, 2) : (old.hostIPs ?? []).map((h) => h.ip);
  if (hostIPs.length > 0) {
    status.hostIP = hostIPs[0];
    status.hostIPs = hostIPs.map((ip) => ({ ip }));
  }
  let podIPs: PodIP[] = sortPodIPs(runtime?.ips ?? [], opts.nodeIPs).map((ip) => ({ ip }));
  // A sandbox that is gone reports no IPs; the pod keeps the ones it had.
  if (podIPs.length === 0 && old.podIPs?.length) podIPs = structuredClone(old.podIPs);
  if (podIPs.length === 0 && spec.hostNetwork && hostIPs.length > 0) podIPs = hostIPs.map((ip) => ({ ip }));
  if (podIPs.length > 0) {
    status.podIP = podIPs[0]!.ip;
    status.podIPs = podIPs;
  }
  status.startTime = startTime;
  if (initContainerStatuses.length > 0) status.initContainerStatuses = initContainerStatuses;
  status.containerStatuses = containerStatuses;
  if (ephemeralContainerStatuses.length > 0) status.ephemeralContainerStatuses = ephemeralContainerStatuses;
  status.qosClass = apiStatus.qosClass ?? podQOSClass(spec);
  return status;
}

