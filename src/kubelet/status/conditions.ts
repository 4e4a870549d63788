// The kubelet-owned pod conditions, as upstream's pkg/kubelet/status/generate.go: Initialized,
// ContainersReady, Ready (with readiness gates) and PodReadyToStartContainers; plus the
// lastTransitionTime bookkeeping the status manager does (a time changes only with the status).
import type { RuntimePodStatus } from '../container/types.ts';
import type { Container, ContainerStatus, Pod, PodCondition, PodPhase, PodSpec } from '../../api/core/index.ts';
import { isRestartableInitContainer } from '../../api/pod/index.ts';
import { isKubeletOwnedCondition } from './types.ts';

export const reasons = {
  unknownContainerStatuses: 'UnknownContainerStatuses',
  podCompleted: 'PodCompleted',
  podFailed: 'PodFailed',
  containersNotReady: 'ContainersNotReady',
  containersNotInitialized: 'ContainersNotInitialized',
  readinessGatesNotReady: 'ReadinessGatesNotReady',
} as const;

/** Go prints a []string as `[a b]`; upstream messages carry that form. */
function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

function condition(type: string, status: PodCondition['status'], reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status, lastProbeTime: null };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function terminalContainersReady(phase: PodPhase, type: string): PodCondition {
  return condition(type, 'False', phase === 'Failed' ? reasons.podFailed : reasons.podCompleted);
}

export function containersReadyCondition(spec: PodSpec, statuses: ContainerStatus[], phase: PodPhase): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (c: Container) => {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  };
  for (const c of spec.initContainers ?? []) if (isRestartableInitContainer(c)) check(c);
  for (const c of spec.containers ?? []) check(c);
  if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') return terminalContainersReady(phase, 'ContainersReady');
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length > 0) return condition('ContainersReady', 'False', reasons.containersNotReady, messages.join(', '));
  return condition('ContainersReady', 'True');
}

/** Ready: ContainersReady, and every readiness gate's condition True among `conditions` (those others own). */
export function podReadyCondition(spec: PodSpec, conditions: PodCondition[], statuses: ContainerStatus[], phase: PodPhase): PodCondition {
  const containersReady = containersReadyCondition(spec, statuses, phase);
  if (containersReady.status !== 'True') return condition('Ready', containersReady.status, containersReady.reason, containersReady.message);
  const messages: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (messages.length > 0) return condition('Ready', 'False', reasons.readinessGatesNotReady, messages.join(', '));
  return condition('Ready', 'True');
}

/**
 * Whether the API pod's Ready condition is out of date with its own gate conditions (upstream's
 * NeedToReconcilePodReadiness): someone else set a readiness gate's condition, and only a sync of
 * the pod recomputes Ready. A pod without gates, or not yet given a Ready condition, never is.
 */
export function needToReconcilePodReadiness(pod: Pick<Pod, 'spec' | 'status'>): boolean {
  if (!pod.spec?.readinessGates?.length) return false;
  const status = pod.status ?? {};
  const current = status.conditions?.find((c) => c.type === 'Ready');
  if (!current) return false;
  const statuses = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])];
  const wanted = podReadyCondition(pod.spec, status.conditions ?? [], statuses, status.phase ?? 'Pending');
  return current.status !== wanted.status || (current.message ?? '') !== (wanted.message ?? '');
}

/** A regular container that is running or has run: the pod got past its init containers once. */
export function hasAnyRegularContainerStarted(spec: PodSpec, statuses: ContainerStatus[]): boolean {
  return (spec.containers ?? []).some((c) => {
    const s = statuses.find((x) => x.name === c.name);
    return s !== undefined && (s.state.running !== undefined || s.state.terminated !== undefined);
  });
}

export function initializedCondition(spec: PodSpec, statuses: ContainerStatus[], phase: PodPhase): PodCondition {
  const initContainers = spec.initContainers ?? [];
  if (initContainers.length === 0) return condition('Initialized', 'True');
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of initContainers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (isRestartableInitContainer(c)) {
      if (!s.started) incomplete.push(c.name);
    } else if (!s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return condition('Initialized', 'True', reasons.podCompleted);
  if (hasAnyRegularContainerStarted(spec, statuses)) return condition('Initialized', 'True');
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length > 0) return condition('Initialized', 'False', reasons.containersNotInitialized, messages.join(', '));
  return condition('Initialized', 'True');
}

/**
 * Whether the pod has a sandbox the kubelet would keep (upstream: !PodSandboxChanged): exactly one
 * ready sandbox, the newest, in the pod's network mode, with an IP unless on the host network.
 */
export function podSandboxReady(spec: PodSpec, runtime: RuntimePodStatus | undefined): boolean {
  const sandboxes = runtime?.sandboxes ?? [];
  const newest = sandboxes[0];
  if (!newest || newest.state !== 'ready') return false;
  if (sandboxes.filter((s) => s.state === 'ready').length > 1) return false;
  const hostNetwork = spec.hostNetwork === true;
  if (newest.hostNetwork !== hostNetwork) return false;
  return hostNetwork || Boolean(newest.ip);
}

export function readyToStartContainersCondition(spec: PodSpec, runtime: RuntimePodStatus | undefined): PodCondition {
  return condition('PodReadyToStartContainers', podSandboxReady(spec, runtime) ? 'True' : 'False');
}

/** The conditions a terminal pod must show whatever the probes last said (issue 108594). */
export function terminalReadyConditions(phase: PodPhase): PodCondition[] {
  return [terminalContainersReady(phase, 'ContainersReady'), terminalContainersReady(phase, 'Ready')];
}

/**
 * Stamps lastTransitionTime on the kubelet-owned conditions (and DisruptionTarget): kept from the
 * previous status while the condition's status is unchanged, `now` otherwise.
 */
export function withTransitionTimes(conditions: PodCondition[], previous: PodCondition[] | undefined, now: string): PodCondition[] {
  return conditions.map((c) => {
    if (!isKubeletOwnedCondition(c.type) && c.type !== 'DisruptionTarget') return c;
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    return { ...c, lastTransitionTime };
  });
}

/** Replaces the condition of the same type or appends it. */
export function replaceOrAppendCondition(conditions: PodCondition[], c: PodCondition): PodCondition[] {
  const i = conditions.findIndex((x) => x.type === c.type);
  if (i < 0) return [...conditions, c];
  const out = [...conditions];
  out[i] = c;
  return out;
}
