// Pure rules the status manager applies between the status it is given and the one it sends, as
// upstream's status manager: illegal transitions are refused, conditions others own survive, a
// terminal phase waits for the containers to stop, and a terminated pod's containers all end.
import { isDeepStrictEqual } from 'node:util';
import type { ContainerStatus, Pod, PodCondition, PodSpec, PodStatus } from '../../api/core/index.ts';
import { replaceOrAppendCondition, terminalReadyConditions, withTransitionTimes } from './conditions.ts';
import { containerStatusUnknown } from './container_statuses.ts';
import { isRestartableInitContainer, isStaticPod } from '../../api/pod/index.ts';
import { isKubeletOwnedCondition, isTerminalPhase } from './types.ts';

/** Why `next` may not follow `prev` (upstream's checkContainerStateTransition), or undefined. */
export function illegalTransition(prev: PodStatus, next: PodStatus, spec: Pick<PodSpec, 'restartPolicy' | 'initContainers'>): string | undefined {
  if (isTerminalPhase(prev.phase) && !isTerminalPhase(next.phase)) {
    return `attempted illegal transition from ${prev.phase} phase to ${next.phase}`;
  }
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (restartPolicy === 'Always') return undefined;
  const check = (before: ContainerStatus[] | undefined, after: ContainerStatus[] | undefined, skip: (name: string) => boolean) => {
    for (const old of before ?? []) {
      if (!old.state.terminated || skip(old.name)) continue;
      // OnFailure restarts a failed container; only a success is final.
      if (restartPolicy === 'OnFailure' && old.state.terminated.exitCode !== 0) continue;
      const now = after?.find((s) => s.name === old.name);
      if (now && !now.state.terminated) return `terminated container ${old.name} attempted illegal transition to non-terminated state`;
    }
    return undefined;
  };
  const sidecar = (name: string) => isRestartableInitContainer(spec.initContainers?.find((c) => c.name === name));
  return check(prev.containerStatuses, next.containerStatuses, () => false) ?? check(prev.initContainerStatuses, next.initContainerStatuses, sidecar);
}

/**
 * The status to send given what the API has (upstream's mergePodStatus): conditions others own
 * come from the API; a terminal phase is held back while containers could still run; a terminal
 * pod is never reported ready.
 */
export function mergePodStatus(apiStatus: PodStatus, next: PodStatus, couldHaveRunningContainers: boolean, now: string): PodStatus {
  const merged = structuredClone(next);
  let conditions: PodCondition[] = (apiStatus.conditions ?? []).filter((c) => !isKubeletOwnedCondition(c.type));
  const toTerminal = !isTerminalPhase(apiStatus.phase) && isTerminalPhase(next.phase);
  for (const c of next.conditions ?? []) {
    if (isKubeletOwnedCondition(c.type)) conditions.push(c);
    else if (c.type === 'DisruptionTarget' && toTerminal && !couldHaveRunningContainers) {
      // Sent only with the terminal phase, stamped when it is finally sent.
      conditions = replaceOrAppendCondition(conditions, withTransitionTimes([c], apiStatus.conditions, now)[0]!);
    }
  }
  merged.conditions = conditions;
  if (apiStatus.resourceClaimStatuses !== undefined) merged.resourceClaimStatuses = apiStatus.resourceClaimStatuses;
  else delete merged.resourceClaimStatuses;
  if (toTerminal && couldHaveRunningContainers) {
    setOrDelete(merged, 'phase', apiStatus.phase);
    setOrDelete(merged, 'reason', apiStatus.reason);
    setOrDelete(merged, 'message', apiStatus.message);
  }
  if (isTerminalPhase(merged.phase)) {
    const readyTrue = merged.conditions.some((c) => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True');
    if (readyTrue) {
      const fixed = withTransitionTimes(terminalReadyConditions(merged.phase!), merged.conditions, now);
      for (const c of fixed) merged.conditions = replaceOrAppendCondition(merged.conditions, c);
    }
  }
  return merged;
}

function setOrDelete(o: PodStatus, key: 'phase' | 'reason' | 'message', value: string | undefined): void {
  if (value === undefined) delete o[key];
  else (o as Record<string, unknown>)[key] = value;
}

const lost = { exitCode: 137, reason: containerStatusUnknown, message: 'The container could not be located when the pod was terminated' };

function hasStarted(s: ContainerStatus): boolean {
  return s.state.running !== undefined || s.state.terminated !== undefined || s.lastState?.terminated !== undefined;
}

/**
 * The status of a pod whose containers are all gone for good (upstream's TerminatePod): every
 * container that has not terminated is reported failed (we cannot know it succeeded), and the
 * phase is made terminal (except for static pods, as upstream).
 */
export function terminatedPodStatus(pod: Pod, status: PodStatus): PodStatus {
  const out = structuredClone(status);
  const regular = out.containerStatuses ?? [];
  const init = out.initContainerStatuses ?? [];
  const initialized = regular.some(hasStarted) || (init.length > 0 && init.every((s) => s.state.terminated?.exitCode === 0));
  if (initialized) for (const s of regular) if (!s.state.terminated) s.state = { terminated: { ...lost } };
  // Init containers up to the last one with evidence of a start; those after it never ran.
  let lastStarted = -1;
  init.forEach((s, i) => {
    if (hasStarted(s)) lastStarted = i;
  });
  for (let i = 0; i <= lastStarted; i++) if (!init[i]!.state.terminated) init[i]!.state = { terminated: { ...lost } };
  if (!isStaticPod(pod) && !isTerminalPhase(out.phase)) out.phase = 'Failed';
  return out;
}

/** Equality the status manager uses to skip a write (all of the status the kubelet produces). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return isDeepStrictEqual(a, b);
}
