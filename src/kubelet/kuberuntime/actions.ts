// computePodActions: what must change in the runtime to make it match the pod spec, decided
// from the spec and the runtime's view alone (upstream's computePodActions). Pure: the only
// state it reads is the back-off table, and it never records into it.
import type { ContainerID, RuntimeContainerStatus, RuntimePodStatus } from '../container/types.ts';
import { formatDuration } from '../../api/duration.ts';
import { hashContainer } from './hash.ts';
import type { Container, EphemeralContainer, Pod } from '../../api/core/index.ts';
import { isRestartableInitContainer } from '../../api/pod/index.ts';
import { formatPod, podNamespace } from './pod.ts';

export interface ContainerToStart {
  container: Container;
  init: boolean;
  /** An ephemeral container (kubectl debug): started once, never restarted, in the pod's sandbox. */
  ephemeral?: EphemeralContainer;
  /** Its targetContainerName's running instance, whose PID namespace it joins, or why there is none. */
  target?: EphemeralTarget;
  /** restartCount of the new instance: one more than the latest one's, 0 for the first. */
  restartCount: number;
  /** Set when this start is a restart after an exit: syncPod records the failure in the back-off. */
  backoff?: { key: string; finishedAt: Date };
}

export interface ContainerToKill {
  id: ContainerID;
  name: string;
  container?: Container;
  /** Event message ("Container x definition changed, will be restarted"). */
  message: string;
  /** Why, for the grace period: '' | 'Unhealthy' (liveness) | 'StartupProbe' | 'Unknown'. */
  reason: string;
}

export interface WaitingReason { reason: string; message: string }

/** The runtime ID of an ephemeral container's target, or the error upstream's start fails with. */
export interface EphemeralTarget { id?: string; error?: string }

export interface PodActions {
  /** Stop every container and sandbox of the pod first. */
  killPod: boolean;
  createSandbox: boolean;
  /** The sandbox to use when not creating one. */
  sandboxId: string;
  /** Attempt number of the sandbox to create. */
  attempt: number;
  /** Init containers (sidecars included) to start, in order. */
  initContainersToStart: ContainerToStart[];
  containersToStart: ContainerToStart[];
  /** Ephemeral containers that have never run; upstream's EphemeralContainersToStart. */
  ephemeralContainersToStart: ContainerToStart[];
  containersToKill: ContainerToKill[];
  /** Containers that should run but wait out CrashLoopBackOff. */
  waiting: Record<string, WaitingReason>;
}

export interface BackoffReader {
  get(key: string): number;
  isInBackOffSince(key: string, eventTime: Date): boolean;
}

export interface ActionOptions {
  backoff: BackoffReader;
  /** The prober's verdict: true kills (and, per policy, restarts) a running container. */
  livenessFailed?: (containerName: string) => boolean;
  startupFailed?: (containerName: string) => boolean;
  /** Whether a running container counts as started (startup probe passed); default: running is started. */
  isStarted?: (containerName: string) => boolean;
}

/** Upstream's getStableKey: the back-off is per pod, container and spec hash. */
export function containerBackoffKey(pod: Pod, container: Container): string {
  return `${pod.metadata.name}_${podNamespace(pod)}_${pod.metadata.uid}_${container.name}_${hashContainer(container)}`;
}

export function crashLoopMessage(pod: Pod, containerName: string, delayMs: number): string {
  return `back-off ${formatDuration(delayMs)} restarting failed container=${containerName} pod=${formatPod(pod)}`;
}

export function latestStatus(status: RuntimePodStatus, name: string): RuntimeContainerStatus | undefined {
  let best: RuntimeContainerStatus | undefined;
  for (const c of status.containers) {
    if (c.name === name && (!best || c.createdAt.getTime() > best.createdAt.getTime())) best = c;
  }
  return best;
}

/** Whether the pod needs a (new) sandbox, and with which attempt number. */
export function sandboxChanged(pod: Pod, status: RuntimePodStatus): { create: boolean; attempt: number; sandboxId: string } {
  const sbs = status.sandboxes;
  if (sbs.length === 0) return { create: true, attempt: 0, sandboxId: '' };
  const newest = sbs[0];
  const next = { create: true, attempt: newest.attempt + 1, sandboxId: newest.id };
  if (sbs.filter((s) => s.state === 'ready').length > 1) return next;
  if (newest.state !== 'ready') return next;
  if (newest.hostNetwork !== !!pod.spec.hostNetwork) return next;
  if (!pod.spec.hostNetwork && !newest.ip) return next;
  return { create: false, attempt: newest.attempt, sandboxId: newest.id };
}

function succeeded(st: RuntimeContainerStatus | undefined): boolean {
  return !!st && st.state === 'exited' && st.exitCode === 0;
}

/** Upstream's ShouldContainerBeRestarted for a container that is not running. */
function shouldRestart(pod: Pod, st: RuntimeContainerStatus | undefined): boolean {
  // Upstream: "Once a pod has been marked deleted, it should not be restarted".
  if (pod.metadata.deletionTimestamp) return false;
  if (!st) return true;
  if (st.state === 'running') return false;
  if (st.state === 'unknown' || st.state === 'created') return true;
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return st.exitCode !== 0;
  return true;
}

export function computePodActions(pod: Pod, status: RuntimePodStatus, opts: ActionOptions): PodActions {
  const sb = sandboxChanged(pod, status);
  const actions: PodActions = {
    killPod: sb.create, createSandbox: sb.create, sandboxId: sb.create ? '' : sb.sandboxId, attempt: sb.attempt,
    initContainersToStart: [], containersToStart: [], ephemeralContainersToStart: [], containersToKill: [], waiting: {},
  };
  const policy = pod.spec.restartPolicy ?? 'Always';
  const inits = pod.spec.initContainers ?? [];
  const anyAppCreated = pod.spec.containers.some((c) => !!latestStatus(status, c.name));

  // Plans the start of c, or records that it waits out its back-off.
  const plan = (c: Container, init: boolean): ContainerToStart | undefined => {
    const st = latestStatus(status, c.name);
    const start: ContainerToStart = { container: c, init, restartCount: st ? st.restartCount + 1 : 0 };
    if (st?.state === 'exited' && st.finishedAt) {
      const key = containerBackoffKey(pod, c);
      if (opts.backoff.isInBackOffSince(key, st.finishedAt)) {
        actions.waiting[c.name] = { reason: 'CrashLoopBackOff', message: crashLoopMessage(pod, c.name, opts.backoff.get(key)) };
        return undefined;
      }
      start.backoff = { key, finishedAt: st.finishedAt };
    }
    return start;
  };
  // Upstream kills only a container in "unknown" state before restarting it ("If container is in
  // unknown state, we don't know whether it is actually running or not"); one left in "created"
  // never ran and is simply started again.
  const killStale = (c: Container, st: RuntimeContainerStatus | undefined) => {
    if (st?.state === 'unknown') {
      actions.containersToKill.push({
        id: st.id, name: c.name, container: c, reason: 'Unknown',
        message: `Container is in "${st.state}" state, try killing it before restart`,
      });
    }
  };

  if (sb.create) {
    // A pod that must not restart keeps its dead sandbox once its containers have run.
    if (policy === 'Never' && sb.attempt !== 0 && status.containers.length !== 0) {
      actions.createSandbox = false;
      return actions;
    }
    const apps = pod.spec.containers.filter((c) => !(policy === 'OnFailure' && succeeded(latestStatus(status, c.name))));
    if (apps.length === 0 && anyAppCreated) {
      actions.createSandbox = false;
      return actions;
    }
    // On a new sandbox everything starts over from the first init container.
    if (inits.length > 0) {
      actions.initContainersToStart.push({ container: inits[0], init: true, restartCount: nextCount(status, inits[0]) });
      return actions;
    }
    actions.containersToStart = apps.map((c) => ({ container: c, init: false, restartCount: nextCount(status, c) }));
    return actions;
  }

  // Upstream: "Ephemeral containers may be started even if initialization is not yet complete."
  actions.ephemeralContainersToStart = ephemeralContainersToStart(pod, status);
  if (!computeInitActions(pod, status, opts, actions, plan, killStale)) return actions;
  if (actions.killPod) return actions;

  let keep = 0;
  for (const c of pod.spec.containers) {
    const st = latestStatus(status, c.name);
    if (!st || st.state !== 'running') {
      if (shouldRestart(pod, st)) {
        killStale(c, st);
        const s = plan(c, false);
        if (s) actions.containersToStart.push(s);
        else keep++; // waiting out its back-off is still wanting to run
      }
      continue;
    }
    const verdict = runningVerdict(c, st, opts);
    if (!verdict) { keep++; continue; }
    let message = verdict.message;
    if (verdict.specChanged || policy !== 'Never') {
      message += ', will be restarted';
      actions.containersToStart.push({ container: c, init: false, restartCount: st.restartCount + 1 });
    }
    actions.containersToKill.push({ id: st.id, name: c.name, container: c, message, reason: verdict.reason });
  }
  if (keep === 0 && actions.containersToStart.length === 0) {
    // Nothing runs and nothing will: the pod is done; stop what is left (sidecars, sandbox).
    actions.killPod = true;
    actions.initContainersToStart = [];
    actions.ephemeralContainersToStart = [];
  }
  return actions;
}

/**
 * Upstream: "Ephemeral Containers are never restarted": one is started only while the runtime
 * has no instance of it at all. They are never killed on their own either: they stop with the pod.
 */
export function ephemeralContainersToStart(pod: Pod, status: RuntimePodStatus): ContainerToStart[] {
  return (pod.spec.ephemeralContainers ?? [])
    .filter((ec) => !latestStatus(status, ec.name))
    .map((ec) => ({ container: ec, init: false, ephemeral: ec, restartCount: 0, target: ephemeralTargetID(ec, status) }));
}

/**
 * The container whose process namespace an ephemeral container joins (upstream's getTargetID):
 * none without targetContainerName; the target's running instance, or an error when it is not running.
 */
export function ephemeralTargetID(ec: EphemeralContainer, status: RuntimePodStatus): EphemeralTarget | undefined {
  const target = ec.targetContainerName;
  if (!target) return undefined;
  const st = latestStatus(status, target);
  if (!st || st.state !== 'running') return { error: `unable to find target container ${target}` };
  return { id: st.id.id };
}

function nextCount(status: RuntimePodStatus, c: Container): number {
  const st = latestStatus(status, c.name);
  return st ? st.restartCount + 1 : 0;
}

/** Why a running container must be killed, or undefined to keep it. */
function runningVerdict(c: Container, st: RuntimeContainerStatus, opts: ActionOptions):
  { message: string; reason: string; specChanged: boolean } | undefined {
  if (st.hash !== hashContainer(c)) return { message: `Container ${c.name} definition changed`, reason: '', specChanged: true };
  if (opts.livenessFailed?.(c.name)) return { message: `Container ${c.name} failed liveness probe`, reason: 'Unhealthy', specChanged: false };
  if (opts.startupFailed?.(c.name)) return { message: `Container ${c.name} failed startup probe`, reason: 'StartupProbe', specChanged: false };
  return undefined;
}

/**
 * Init containers as upstream's computeInitContainerActions. They are walked from the last to the
 * first: the latest one with a status is the evidence of progress (statuses of completed ones may
 * be gone), and the ones before it only matter if they are sidecars to keep running. A regular
 * one must exit 0 before the next starts and never runs again once the pod is initialized; a
 * sidecar (restartPolicy Always) must be started (startup probe passed) before the next starts,
 * and is restarted whenever it is not running, whatever the pod's restart policy. Returns whether
 * the pod is initialized, i.e. app containers may be handled.
 */
function computeInitActions(
  pod: Pod, status: RuntimePodStatus, opts: ActionOptions, actions: PodActions,
  plan: (c: Container, init: boolean) => ContainerToStart | undefined,
  killStale: (c: Container, st: RuntimeContainerStatus | undefined) => void,
): boolean {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return true;
  const restartOnFailure = (pod.spec.restartPolicy ?? 'Always') !== 'Never';
  const started = opts.isStarted ?? (() => true);
  // An app container created or running proves initialization; an exited one may be left from
  // an older sandbox (upstream's podHasInitialized).
  let initialized = pod.spec.containers.some((c) => {
    const state = latestStatus(status, c.name)?.state;
    return state === 'created' || state === 'running';
  });
  let laterRan = initialized; // upstream's isPreviouslyInitialized
  const starts: (ContainerToStart | undefined)[] = []; // last first
  const restart = (c: Container, st: RuntimeContainerStatus, message: string, reason: string) => {
    actions.containersToKill.push({ id: st.id, name: c.name, container: c, message: `${message}, will be restarted`, reason });
    starts.push({ container: c, init: true, restartCount: st.restartCount + 1 });
  };
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i];
    const last = i === inits.length - 1;
    const st = latestStatus(status, c.name);
    if (!st) {
      if (laterRan && isRestartableInitContainer(c)) starts.push(plan(c, true));
      continue;
    }
    if (laterRan && !isRestartableInitContainer(c)) continue;
    if (st.state === 'created') {
      starts.push(plan(c, true));
    } else if (st.state === 'running') {
      if (isRestartableInitContainer(c) && !started(c.name)) {
        if (opts.startupFailed?.(c.name)) restart(c, st, `Container ${c.name} failed startup probe`, 'StartupProbe');
      } else if (isRestartableInitContainer(c)) {
        // Started: the next may start, even if this one must be restarted (spec, liveness).
        if (last) initialized = true;
        else if (!laterRan) starts.push(plan(inits[i + 1], true));
        const verdict = runningVerdict(c, st, opts);
        if (verdict) restart(c, st, verdict.message, verdict.reason);
      }
    } else if (isRestartableInitContainer(c)) {
      killStale(c, st); // exited or unknown
      starts.push(plan(c, true));
    } else if (!succeeded(st)) {
      // Failed, or "unknown" (upstream's isInitContainerFailed): under Never the pod failed.
      if (!restartOnFailure) {
        actions.killPod = true;
        return false;
      }
      killStale(c, st);
      starts.push(plan(c, true));
    } else if (last) {
      initialized = true;
    } else {
      starts.push(plan(inits[i + 1], true));
    }
    laterRan = true;
  }
  if (!laterRan) starts.push(plan(inits[0], true)); // none has run yet
  for (const s of starts.reverse()) if (s) actions.initContainersToStart.push(s);
  return initialized;
}

/**
 * Upstream's terminationOrdering (KEP-753) as data: whom each container waits for before it is
 * stopped when the whole pod is killed. A sidecar waits for every main container and for the
 * sidecar declared after it, so sidecars stop after the main containers, in reverse order of their
 * start; main containers wait for none. Empty for a pod without sidecars. (As upstream, a sidecar
 * waits only for the next one: if that one is not running, it does not wait for those after it.)
 */
export function terminationPrerequisites(pod: Pod): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const mains = pod.spec.containers.map((c) => c.name);
  let later: string | undefined;
  for (const c of [...(pod.spec.initContainers ?? [])].reverse()) {
    if (!isRestartableInitContainer(c)) continue;
    out.set(c.name, later === undefined ? mains : [...mains, later]);
    later = c.name;
  }
  return out;
}
