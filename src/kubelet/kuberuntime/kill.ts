// Stopping containers and pods (upstream's killContainer / killPodWithSyncResult): the Killing
// event, preStop within the grace period, a sidecar's wait for its turn within what is left, then
// StopContainer with the rest (at least 2 s); sandboxes are stopped after all their containers.
import { anySignal, type Clock } from '../clock.ts';
import type { RuntimeContainerStatus, RuntimePodStatus } from '../container/types.ts';
import { isNotFound } from '../runtime/cri/client.ts';
import { terminationPrerequisites } from './actions.ts';
import type { RuntimeManagerDeps, PodRef } from './deps.ts';
import { containerFieldPath, podRef } from './deps.ts';
import { runHook } from './hooks.ts';
import { readContainerInfo } from './labels.ts';
import type { Container, LifecycleHandler, Pod } from '../../api/core/index.ts';
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS, MINIMUM_GRACE_PERIOD_SECONDS, formatPod } from './pod.ts';

export interface KillContainerRequest {
  /** The pod, when known (a restarted kubelet may kill orphans it has no spec for). */
  pod?: Pod;
  ref: PodRef;
  containerId: string;
  name: string;
  container?: Container;
  /** Event message; default "Stopping container <name>". */
  message?: string;
  /** 'Unhealthy' | 'StartupProbe' pick the probe's terminationGracePeriodSeconds. */
  reason?: string;
  /** The grace period to start from instead of the spec's (the pod worker's, from the deletion). */
  gracePeriodOverride?: number;
  podIPs?: string[];
  signal?: AbortSignal;
  /** When the whole pod is killed: the turn this container waits for before its stop. */
  ordering?: TerminationOrdering;
}

/**
 * Runs work with a signal that aborts once ms have passed on the clock (or signal aborts), and
 * waits for it no longer than that; whether it finished in time. work must not reject. Leaves no
 * sleeper or listener behind.
 */
async function within(clock: Clock, ms: number, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<unknown>): Promise<boolean> {
  const over = new AbortController();
  const wake = anySignal(over.signal, ...(signal ? [signal] : []));
  let finished = false;
  try {
    await Promise.race([work(wake.signal).then(() => { finished = true; }), clock.sleep(ms, wake.signal)]);
  } finally {
    over.abort();
    wake.release();
  }
  return finished;
}

/**
 * Upstream's terminationOrdering: each container of a pod being killed may wait for others to be
 * gone (terminationPrerequisites) before its stop. Containers not running count as gone.
 */
export class TerminationOrdering {
  private readonly gone = new Map<string, { done: Promise<void>; resolve: () => void }>();

  constructor(private readonly prerequisites: Map<string, string[]>, running: Iterable<string>) {
    for (const name of running) {
      let resolve = () => {};
      const done = new Promise<void>((r) => { resolve = r; });
      this.gone.set(name, { done, resolve });
    }
  }

  /** Waits until name's prerequisites are gone, at most graceSeconds; the seconds it waited. */
  async waitForTurn(name: string, graceSeconds: number, clock: Clock, signal?: AbortSignal): Promise<number> {
    const waits = (this.prerequisites.get(name) ?? []).flatMap((p) => this.gone.get(p)?.done ?? []);
    if (graceSeconds <= 0 || waits.length === 0) return 0;
    const started = clock.now().getTime();
    await within(clock, graceSeconds * 1000, signal, () => Promise.all(waits));
    return (clock.now().getTime() - started) / 1000;
  }

  /** name has stopped: whoever waits for it may go. */
  terminated(name: string): void {
    this.gone.get(name)?.resolve();
  }
}

/** The grace period before preStop: deletion grace, pod spec, or the probe's own. */
export function gracePeriodFor(pod: Pod | undefined, container: Container | undefined, reason: string | undefined, annotated?: number): number {
  let grace = pod?.metadata.deletionGracePeriodSeconds ?? pod?.spec.terminationGracePeriodSeconds ?? annotated ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (reason === 'Unhealthy' && container?.livenessProbe?.terminationGracePeriodSeconds !== undefined) {
    grace = container.livenessProbe.terminationGracePeriodSeconds;
  } else if (reason === 'StartupProbe' && container?.startupProbe?.terminationGracePeriodSeconds !== undefined) {
    grace = container.startupProbe.terminationGracePeriodSeconds;
  }
  return grace;
}

/** What a kill needs of the spec: from the pod, or restored from the container's annotations. */
async function killSpec(deps: RuntimeManagerDeps, req: KillContainerRequest):
  Promise<{ container: Container; preStop?: LifecycleHandler; annotatedGrace?: number } | undefined> {
  if (req.container && req.pod) return { container: req.container, preStop: req.container.lifecycle?.preStop };
  let container = req.container;
  let preStop = container?.lifecycle?.preStop;
  let annotatedGrace: number | undefined;
  try {
    const st = (await deps.cri.containerStatus(req.containerId, false, { signal: req.signal })).status;
    if (st) {
      const info = readContainerInfo(st.labels, st.annotations);
      annotatedGrace = info.podTerminationGracePeriod;
      preStop ??= info.preStop;
      container ??= { name: req.name, lifecycle: info.preStop ? { preStop: info.preStop } : undefined };
    }
  } catch (err) {
    if (isNotFound(err)) return undefined; // gone already
    throw err;
  }
  return { container: container ?? { name: req.name }, preStop, annotatedGrace };
}

/**
 * Upstream's executePreStopHook: the hook gets at most the grace period, then the kill goes on
 * without it (and it is cancelled); returns the whole seconds it took.
 */
async function runPreStop(deps: RuntimeManagerDeps, req: KillContainerRequest, preStop: LifecycleHandler, container: Container, grace: number, fieldPath: string): Promise<number> {
  const { clock } = deps;
  const started = clock.now().getTime();
  let err: string | undefined;
  const inTime = await within(clock, grace * 1000, req.signal, async (signal) => {
    err = await runHook(preStop, {
      cri: deps.cri, clock, containerId: req.containerId, container, podIPs: req.podIPs ?? [],
      timeoutSeconds: grace, signal, fetch: deps.fetch,
    });
  });
  // The kubelet is stopping, not the grace period over: the kill ends as an abort does elsewhere.
  req.signal?.throwIfAborted();
  const pod = `${req.ref.namespace}/${req.ref.name}`;
  if (!inTime) {
    deps.log?.info('PreStop hook not completed in grace period', { pod, container: req.name, gracePeriod: grace });
  } else if (err) {
    deps.log?.warn('PreStop hook failed', { pod, container: req.name, err });
    // The event leaves the hook's output out, as upstream does (it may hold secrets).
    deps.recorder.event(req.ref, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', fieldPath);
  }
  return Math.floor((clock.now().getTime() - started) / 1000);
}

export async function killContainer(deps: RuntimeManagerDeps, req: KillContainerRequest): Promise<void> {
  const spec = await killSpec(deps, req);
  if (!spec) return;
  const fieldPath = req.pod ? containerFieldPath(req.pod, req.name) : `spec.containers{${req.name}}`;
  deps.recorder.event(req.ref, 'Normal', 'Killing', req.message || `Stopping container ${req.name}`, fieldPath);

  // As upstream, an override (the pod worker's grace period) replaces the spec's before the
  // preStop, so that hook, wait and stop together stay within it.
  let grace = req.gracePeriodOverride ?? gracePeriodFor(req.pod, spec.container, req.reason, spec.annotatedGrace);
  if (spec.preStop && grace > 0) grace -= await runPreStop(deps, req, spec.preStop, spec.container, grace, fieldPath);
  if (req.ordering && grace > 0) grace -= Math.floor(await req.ordering.waitForTurn(req.name, grace, deps.clock, req.signal));
  // Always a short window for SIGTERM, against needless SIGKILLs.
  if (grace < MINIMUM_GRACE_PERIOD_SECONDS) grace = MINIMUM_GRACE_PERIOD_SECONDS;
  try {
    await deps.cri.stopContainer(req.containerId, grace, { signal: req.signal });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  req.ordering?.terminated(req.name);
}

export interface KillPodResult { errors: { target: string; message: string }[] }

function live(c: RuntimeContainerStatus): boolean {
  return c.state === 'running' || c.state === 'unknown';
}

/**
 * Stops every running container of the pod in parallel (preStop and grace honoured; sidecars
 * after the main containers, in reverse order), then its sandboxes. pod may be undefined for an
 * orphan found in the runtime (grace from annotations).
 */
export async function killPod(
  deps: RuntimeManagerDeps, pod: Pod | undefined, status: RuntimePodStatus,
  opts: { gracePeriodOverride?: number; signal?: AbortSignal } = {},
): Promise<KillPodResult> {
  const ref = pod ? podRef(pod) : { name: status.name, namespace: status.namespace, uid: status.uid };
  const specs = pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers] : [];
  const errors: KillPodResult['errors'] = [];
  const running = status.containers.filter(live);
  const prerequisites = pod ? terminationPrerequisites(pod) : new Map<string, string[]>();
  const ordering = prerequisites.size ? new TerminationOrdering(prerequisites, running.map((c) => c.name)) : undefined;
  await Promise.all(running.map(async (c) => {
    try {
      await killContainer(deps, {
        pod, ref, containerId: c.id.id, name: c.name, container: specs.find((s) => s.name === c.name),
        gracePeriodOverride: opts.gracePeriodOverride, podIPs: status.ips, signal: opts.signal, ordering,
      });
    } catch (err) {
      errors.push({ target: c.name, message: err instanceof Error ? err.message : String(err) });
    }
  }));
  for (const sb of status.sandboxes) {
    try {
      await deps.cri.stopPodSandbox(sb.id, { signal: opts.signal });
    } catch (err) {
      if (!isNotFound(err)) errors.push({ target: `sandbox ${sb.id}`, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { errors };
}

/** Removes the pod's containers and sandboxes from the runtime (after killPod). */
export async function removePod(deps: Pick<RuntimeManagerDeps, 'cri'>, status: RuntimePodStatus, signal?: AbortSignal): Promise<void> {
  for (const c of status.containers) {
    try { await deps.cri.removeContainer(c.id.id, { signal }); } catch (err) { if (!isNotFound(err)) throw err; }
  }
  for (const sb of status.sandboxes) {
    try { await deps.cri.removePodSandbox(sb.id, { signal }); } catch (err) { if (!isNotFound(err)) throw err; }
  }
}

/**
 * Upstream's purgeInitContainers: before a pod's new sandbox runs its init containers again, the
 * old instances go, so that their exits in the dead sandbox do not count as this sandbox's progress.
 */
export async function purgeInitContainers(deps: Pick<RuntimeManagerDeps, 'cri' | 'log'>, pod: Pod, status: RuntimePodStatus, signal?: AbortSignal): Promise<void> {
  const initNames = new Set((pod.spec.initContainers ?? []).map((c) => c.name));
  for (const c of status.containers) {
    if (!initNames.has(c.name)) continue;
    try {
      await deps.cri.removeContainer(c.id.id, { signal });
    } catch (err) {
      // As upstream: logged, and the next sync's status shows what is left.
      if (!isNotFound(err)) deps.log?.error('Failed to remove init container', err, { pod: formatPod(pod), containerID: c.id.id });
    }
  }
}
