// Stopping containers and pods (upstream's killContainer / killPodWithSyncResult): the Killing
// event, preStop within the grace period, then StopContainer with what is left of it (at least
// 2 s, unless overridden); sandboxes are stopped after all their containers.
import type { RuntimeContainerStatus, RuntimePodStatus } from '../container/types.ts';
import { isNotFound } from '../runtime/cri/client.ts';
import type { RuntimeManagerDeps, PodRef } from './deps.ts';
import { containerFieldPath, podRef } from './deps.ts';
import { runHook } from './hooks.ts';
import { readContainerInfo } from './labels.ts';
import type { Container, Pod } from '../../api/core/index.ts';
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
  gracePeriodOverride?: number;
  podIPs?: string[];
  signal?: AbortSignal;
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

export async function killContainer(deps: RuntimeManagerDeps, req: KillContainerRequest): Promise<void> {
  const { cri, clock, recorder } = deps;
  let container = req.container;
  let annotatedGrace: number | undefined;
  let preStop = container?.lifecycle?.preStop;
  if (!container || !req.pod) {
    // No spec: restore what the kill needs from the container's own annotations.
    try {
      const st = (await cri.containerStatus(req.containerId, false, { signal: req.signal })).status;
      if (st) {
        const info = readContainerInfo(st.labels, st.annotations);
        annotatedGrace = info.podTerminationGracePeriod;
        preStop ??= info.preStop;
        container ??= { name: req.name, lifecycle: info.preStop ? { preStop: info.preStop } : undefined };
      }
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
  const fieldPath = req.pod ? containerFieldPath(req.pod, req.name) : `spec.containers{${req.name}}`;
  recorder.event(req.ref, 'Normal', 'Killing', req.message || `Stopping container ${req.name}`, fieldPath);

  let grace = gracePeriodFor(req.pod, container, req.reason, annotatedGrace);
  if (preStop && grace > 0) {
    const started = clock.now().getTime();
    const err = await runHook(preStop, {
      cri, clock, containerId: req.containerId, container: container ?? { name: req.name }, podIPs: req.podIPs ?? [],
      timeoutSeconds: grace, signal: req.signal, fetch: deps.fetch,
    });
    if (err) {
      deps.log?.warn('PreStop hook failed', { pod: `${req.ref.namespace}/${req.ref.name}`, container: req.name, err });
      recorder.event(req.ref, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', fieldPath);
    }
    grace -= Math.floor((clock.now().getTime() - started) / 1000);
  }
  if (grace < MINIMUM_GRACE_PERIOD_SECONDS) grace = MINIMUM_GRACE_PERIOD_SECONDS;
  if (req.gracePeriodOverride !== undefined) grace = req.gracePeriodOverride;
  try {
    await cri.stopContainer(req.containerId, grace, { signal: req.signal });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export interface KillPodResult { errors: { target: string; message: string }[] }

function live(c: RuntimeContainerStatus): boolean {
  return c.state === 'running' || c.state === 'unknown';
}

/**
 * Stops every running container of the pod in parallel (preStop and grace honoured), then its
 * sandboxes. pod may be undefined for an orphan found in the runtime (grace from annotations).
 */
export async function killPod(
  deps: RuntimeManagerDeps, pod: Pod | undefined, status: RuntimePodStatus,
  opts: { gracePeriodOverride?: number; signal?: AbortSignal } = {},
): Promise<KillPodResult> {
  const ref = pod ? podRef(pod) : { name: status.name, namespace: status.namespace, uid: status.uid };
  const specs = pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers] : [];
  const errors: KillPodResult['errors'] = [];
  await Promise.all(status.containers.filter(live).map(async (c) => {
    try {
      await killContainer(deps, {
        pod, ref, containerId: c.id.id, name: c.name, container: specs.find((s) => s.name === c.name),
        gracePeriodOverride: opts.gracePeriodOverride, podIPs: status.ips, signal: opts.signal,
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
