// API container statuses from the runtime's view, as upstream's convertToAPIContainerStatuses plus
// the prober manager's ready/started pass: the newest attempt is the state, the one before it the
// lastState; containers that never ran wait (ContainerCreating, PodInitializing, or the reason the
// runtime manager recorded: ErrImagePull, CrashLoopBackOff, ...).
import { rfc3339 } from '../../api/object.ts';
import type { RuntimeContainerStatus, RuntimePodStatus } from '../container/types.ts';
import type { Container, ContainerState, ContainerStatus } from '../../api/core/index.ts';
import { isRestartableInitContainer } from '../../api/pod/index.ts';

export interface WaitingReason { reason: string; message?: string }

export interface ContainerStatusInputs {
  containers: Container[];
  isInit: boolean;
  hasInitContainers: boolean;
  /** Every regular container of the pod (to tell whether initialization already happened). */
  regularContainerNames: string[];
  restartPolicy: string;
  deleting: boolean;
  runtime: RuntimePodStatus | undefined;
  previous: ContainerStatus[] | undefined;
  waitingReasons: ReadonlyMap<string, WaitingReason>;
  readiness: (containerId: string) => boolean | undefined;
  startup: (containerId: string) => boolean | undefined;
}

export const containerStatusUnknown = 'ContainerStatusUnknown';
const lostWhenTerminated = 'The container could not be located when the pod was terminated';
const lostWhenDeleted = 'The container could not be located when the pod was deleted.  The container used to be Running';
const lostInitMessage = 'Unable to get init container status from container runtime and pod has been initialized, treat it as exited normally';

export function containerIdString(c: RuntimeContainerStatus): string {
  return `${c.id.type}://${c.id.id}`;
}

const time = (d: Date | undefined) => (d ? rfc3339(d) : undefined);

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Runtime attempts of one container, newest first. */
function attemptsOf(runtime: RuntimePodStatus | undefined, name: string): RuntimeContainerStatus[] {
  return (runtime?.containers ?? [])
    .filter((c) => c.name === name)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

function convert(cs: RuntimeContainerStatus, old: ContainerStatus | undefined): ContainerStatus {
  const id = containerIdString(cs);
  let state: ContainerState;
  let restartCount = cs.restartCount;
  switch (cs.state) {
    case 'running':
      state = { running: withoutUndefined({ startedAt: time(cs.startedAt) }) };
      break;
    case 'created':
      state = { waiting: {} };
      break;
    case 'exited':
      state = {
        terminated: withoutUndefined({
          exitCode: cs.exitCode ?? 0,
          reason: cs.reason || undefined,
          message: cs.message || undefined,
          startedAt: time(cs.startedAt),
          finishedAt: time(cs.finishedAt),
          containerID: id,
        }),
      };
      break;
    default:
      if (old?.state.running) {
        // It ran and vanished: report a failure rather than "never ran", so run-once pods do not run twice.
        state = { terminated: { exitCode: 137, reason: containerStatusUnknown, message: lostWhenTerminated } };
        restartCount = old.restartCount + 1;
      } else state = { waiting: {} };
  }
  return { name: cs.name, state, lastState: {}, ready: false, restartCount, image: cs.image, imageID: cs.imageRef, containerID: id };
}

/** Upstream's ShouldContainerBeRestarted: whether the next sync would (re)start this container. */
export function shouldContainerBeRestarted(c: Container, latest: RuntimeContainerStatus | undefined, restartPolicy: string, deleting: boolean): boolean {
  if (deleting) return false;
  if (!latest) return true;
  if (latest.state === 'running') return false;
  if (latest.state === 'unknown' || latest.state === 'created') return true;
  if (isRestartableInitContainer(c)) return true;
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure' && (latest.exitCode ?? 0) === 0) return false;
  return true;
}

export function apiContainerStatuses(inp: ContainerStatusInputs): ContainerStatus[] {
  const oldByName = new Map((inp.previous ?? []).map((s) => [s.name, s]));
  const statuses = new Map<string, ContainerStatus>();
  const defaultReason = inp.hasInitContainers ? 'PodInitializing' : 'ContainerCreating';

  for (const c of inp.containers) {
    const old = oldByName.get(c.name);
    if (old?.state.terminated) {
      statuses.set(c.name, structuredClone(old));
      continue;
    }
    statuses.set(c.name, {
      name: c.name,
      state: { waiting: { reason: defaultReason } },
      lastState: structuredClone(old?.lastState ?? {}),
      ready: false,
      restartCount: old?.restartCount ?? 0,
      image: c.image ?? '',
      imageID: '',
    });
  }

  // A container that was running and is gone from the runtime without a trace did terminate.
  for (const c of inp.containers) {
    if (attemptsOf(inp.runtime, c.name).length > 0) continue;
    const old = oldByName.get(c.name);
    if (!old || old.state.terminated || !old.state.running) continue;
    const s = statuses.get(c.name)!;
    if (s.state.waiting?.reason !== defaultReason || s.lastState.terminated) continue;
    s.lastState = { terminated: { exitCode: 137, reason: containerStatusUnknown, message: lostWhenDeleted } };
    if (!inp.deleting) s.restartCount += 1;
  }

  for (const c of inp.containers) {
    const [latest, previous] = attemptsOf(inp.runtime, c.name);
    if (!latest) continue;
    const status = convert(latest, oldByName.get(c.name));
    if (previous) status.lastState = convert(previous, oldByName.get(c.name)).state;
    statuses.set(c.name, status);
  }

  const anyRegularCreated = inp.regularContainerNames.some((n) => attemptsOf(inp.runtime, n).length > 0);
  for (const c of inp.containers) {
    const latest = attemptsOf(inp.runtime, c.name)[0];
    const s = statuses.get(c.name)!;
    if (inp.isInit) {
      if (latest?.state === 'exited' && (latest.exitCode ?? 0) === 0) continue;
      if (!latest && anyRegularCreated && !isRestartableInitContainer(c) && s.state.waiting) {
        // The init container was removed from the runtime, but regular containers exist: it succeeded.
        s.state = { terminated: { exitCode: 0, reason: 'Completed', message: lostInitMessage } };
        continue;
      }
    }
    if (!shouldContainerBeRestarted(c, latest, inp.restartPolicy, inp.deleting)) continue;
    const why = inp.waitingReasons.get(c.name);
    if (!why) continue;
    if (s.state.terminated) s.lastState = s.state;
    s.state = { waiting: withoutUndefined({ reason: why.reason, message: why.message || undefined }) };
  }

  const ordered = inp.isInit
    ? inp.containers.map((c) => statuses.get(c.name)!)
    : [...statuses.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const specs = new Map(inp.containers.map((c) => [c.name, c]));
  return ordered.map((s) => withProbeResults(s, specs.get(s.name)!, inp));
}

/**
 * status.ephemeralContainerStatuses, as upstream's generateAPIPodStatus: converted as init
 * containers are (spec order; an instance that exited is terminated for good, since ephemeral
 * containers are never restarted), and left out of the prober's pass, so never ready.
 */
export function apiEphemeralContainerStatuses(inp: Omit<ContainerStatusInputs, 'isInit'>): ContainerStatus[] {
  if (inp.containers.length === 0) return [];
  // No regular names: an ephemeral container not yet created is waiting, never an init container
  // "treated as exited normally" because the pod is initialized.
  return apiContainerStatuses({ ...inp, isInit: true, regularContainerNames: [] }).map(({ started: _started, ...s }) => ({ ...s, ready: false }));
}

/** The prober manager's pass: started from the startup probe, ready from the readiness probe. */
function withProbeResults(s: ContainerStatus, spec: Container, inp: ContainerStatusInputs): ContainerStatus {
  const running = s.state.running !== undefined;
  const id = s.containerID ?? '';
  const startupResult = running ? inp.startup(id) : undefined;
  const started = running && (startupResult !== undefined ? startupResult : spec.startupProbe === undefined);
  let ready = false;
  if (inp.isInit && !isRestartableInitContainer(spec)) ready = s.state.terminated?.exitCode === 0;
  else if (started) ready = inp.readiness(id) === true || spec.readinessProbe === undefined;
  return { ...s, ready, started };
}
