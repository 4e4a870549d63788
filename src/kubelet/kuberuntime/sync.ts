// syncPod: the thin effectful shell around computePodActions (upstream's SyncPod). Kills what
// must go, creates the sandbox, starts init containers in order and then the app containers,
// and reports, per container, why one is waiting.
import type { RuntimePodStatus } from '../container/types.ts';
import type { ContainerConfig, In, PodSandboxConfig } from '../runtime/cri/types.ts';
import { computePodActions, type ContainerToStart, type PodActions, type WaitingReason } from './actions.ts';
import { containerFieldPath, podRef, type RuntimeManagerDeps } from './deps.ts';
import { podDNSConfig, readResolvConf } from './dns.ts';
import { EnvError } from './env.ts';
import { generateContainerConfig, mkdirp } from './generate.ts';
import { runHook } from './hooks.ts';
import { killContainer, killPod, purgeInitContainers } from './kill.ts';
import type { Pod } from '../../api/core/index.ts';
import { formatPod } from './pod.ts';
import { podCgroupParent } from '../cm/index.ts';
import { podLogsDirectory, podSandboxConfig } from './sandbox.ts';

export interface SyncError { action: 'CreatePodSandbox' | 'KillPod' | 'KillContainer' | 'StartContainer'; target: string; reason: string; message: string }

export interface SyncResult {
  actions: PodActions;
  /** The sandbox the pod runs in after this sync ('' when none). */
  sandboxId: string;
  podIPs: string[];
  /** Why containers are not running, by name: CrashLoopBackOff, ErrImagePull, CreateContainerConfigError... */
  waiting: Record<string, WaitingReason>;
  started: string[];
  killed: string[];
  errors: SyncError[];
}

export interface SyncOptions {
  signal?: AbortSignal;
  livenessFailed?: (containerName: string) => boolean;
  startupFailed?: (containerName: string) => boolean;
  isStarted?: (containerName: string) => boolean;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function sandboxConfigFor(deps: RuntimeManagerDeps, pod: Pod, attempt: number, warn: boolean): Promise<In<PodSandboxConfig>> {
  const hostResolv = await (deps.resolvConf ?? (() => readResolvConf()))();
  const dns = podDNSConfig(pod, { clusterDNS: deps.clusterDNS ?? [], clusterDomain: deps.clusterDomain ?? '', hostResolv });
  if (dns.warning && warn) deps.recorder.event(podRef(pod), 'Warning', dns.warning.reason, dns.warning.message);
  return podSandboxConfig(pod, {
    attempt, dns: dns.config, logDirectory: podLogsDirectory(pod, deps.podLogsRoot), cgroupParent: podCgroupParent(pod),
  });
}

export async function syncPod(pod: Pod, status: RuntimePodStatus, deps: RuntimeManagerDeps, opts: SyncOptions = {}): Promise<SyncResult> {
  const { cri, recorder } = deps;
  const ref = podRef(pod);
  const actions = computePodActions(pod, status, {
    backoff: deps.backoff, livenessFailed: opts.livenessFailed, startupFailed: opts.startupFailed, isStarted: opts.isStarted,
  });
  const result: SyncResult = {
    actions, sandboxId: actions.sandboxId, podIPs: status.ips, waiting: { ...actions.waiting }, started: [], killed: [], errors: [],
  };
  for (const name of Object.keys(actions.waiting)) {
    recorder.event(ref, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${formatPod(pod)}`, containerFieldPath(pod, name));
  }

  if (actions.killPod) {
    const killed = await killPod(deps, pod, status, { signal: opts.signal });
    for (const e of killed.errors) result.errors.push({ action: 'KillPod', target: e.target, reason: 'KillPodError', message: e.message });
    result.killed.push(...status.containers.filter((c) => c.state === 'running').map((c) => c.name));
    if (!actions.createSandbox || killed.errors.length) { result.sandboxId = ''; result.podIPs = []; return result; }
    await purgeInitContainers(deps, pod, status, opts.signal);
  } else {
    await Promise.all(actions.containersToKill.map(async (k) => {
      try {
        await killContainer(deps, {
          pod, ref, containerId: k.id.id, name: k.name, container: k.container, message: k.message, reason: k.reason,
          podIPs: status.ips, signal: opts.signal,
        });
        result.killed.push(k.name);
      } catch (err) {
        result.errors.push({ action: 'KillContainer', target: k.name, reason: 'KillContainerError', message: errText(err) });
      }
    }));
  }

  let sandboxConfig: In<PodSandboxConfig>;
  if (actions.createSandbox) {
    try {
      sandboxConfig = await sandboxConfigFor(deps, pod, actions.attempt, true);
      await deps.podCgroups?.ensure(pod);
      await (deps.mkdir ?? mkdirp)(sandboxConfig.logDirectory!);
      const id = await cri.runPodSandbox(sandboxConfig, deps.runtimeHandler ?? '', { signal: opts.signal });
      result.sandboxId = id;
      const st = (await cri.podSandboxStatus(id, false, { signal: opts.signal })).status;
      const ip = st?.network?.ip;
      result.podIPs = !pod.spec.hostNetwork && ip ? [ip, ...(st?.network?.additionalIps ?? []).map((a) => a.ip)] : [];
    } catch (err) {
      const message = `Failed to create pod sandbox: ${errText(err)}`;
      recorder.event(ref, 'Warning', 'FailedCreatePodSandBox', message);
      result.errors.push({ action: 'CreatePodSandbox', target: pod.metadata.name!, reason: 'CreatePodSandboxError', message });
      result.sandboxId = '';
      result.podIPs = [];
      // containerd keeps the name of a sandbox whose set-up failed half-way; free it for the retry.
      const leftover = /is reserved for "?([0-9a-f]{64})/.exec(errText(err))?.[1];
      if (leftover) {
        await cri.stopPodSandbox(leftover).catch(() => {});
        await cri.removePodSandbox(leftover).catch(() => {});
      }
      return result;
    }
  } else {
    sandboxConfig = await sandboxConfigFor(deps, pod, actions.attempt, false);
  }

  const start = async (s: ContainerToStart): Promise<boolean> => {
    const failure = await startContainer(deps, pod, s, result.sandboxId, sandboxConfig, result.podIPs, opts.signal);
    if (failure) {
      result.waiting[s.container.name] = failure;
      result.errors.push({ action: 'StartContainer', target: s.container.name, ...failure });
      return false;
    }
    result.started.push(s.container.name);
    return true;
  };
  // Upstream: ephemeral containers are started "prior" to init containers "to allow running
  // ephemeral containers even when there are errors starting an init container".
  for (const s of actions.ephemeralContainersToStart) await start(s);
  // Init containers one at a time, in order; a failure stops the sync (the next one retries).
  for (const s of actions.initContainersToStart) {
    if (!(await start(s))) return result;
  }
  await Promise.all(actions.containersToStart.map(start));
  return result;
}

/**
 * Starts one container; returns why it could not (a waiting reason) or undefined. Throws once
 * the signal aborts (the sync was cancelled): a cancelled step is no failure to record.
 */
async function startContainer(
  deps: RuntimeManagerDeps, pod: Pod, s: ContainerToStart, sandboxId: string, sandboxConfig: In<PodSandboxConfig>,
  podIPs: string[], signal?: AbortSignal,
): Promise<WaitingReason | undefined> {
  const { cri, recorder } = deps;
  const c = s.container;
  const ref = podRef(pod);
  const fieldPath = containerFieldPath(pod, c.name);
  const record = (type: 'Normal' | 'Warning', reason: string, message: string) => recorder.event(ref, type, reason, message, fieldPath);
  // This restart counts as one more failure in the CrashLoopBackOff schedule.
  if (s.backoff) deps.backoff.next(s.backoff.key, s.backoff.finishedAt);

  const image = await deps.images.ensureImageExists({
    podUid: pod.metadata.uid!, namespace: ref.namespace, image: c.image ?? '', pullPolicy: c.imagePullPolicy,
    pullSecretNames: (pod.spec.imagePullSecrets ?? []).map((x) => x.name ?? '').filter(Boolean),
    sandboxConfig, record, signal,
  });
  if (!image.ok) return { reason: image.reason, message: image.message };

  // Upstream's getTargetID failing: the target is not running (any more).
  if (s.target?.error) {
    record('Warning', 'Failed', `Error: ${s.target.error}`);
    return { reason: 'CreateContainerConfigError', message: s.target.error };
  }
  let config: In<ContainerConfig>;
  try {
    config = await generateContainerConfig(deps, pod, s, image.imageRef, sandboxConfig, podIPs);
  } catch (err) {
    signal?.throwIfAborted();
    const message = errText(err);
    record('Warning', 'Failed', `Error: ${message}`);
    if (!(err instanceof EnvError)) deps.log?.error('Failed to generate container config', err, { container: c.name });
    return { reason: 'CreateContainerConfigError', message };
  }
  let containerId: string;
  try {
    containerId = await cri.createContainer(sandboxId, config, sandboxConfig, { signal });
  } catch (err) {
    signal?.throwIfAborted();
    const message = errText(err);
    record('Warning', 'Failed', `Error: ${message}`);
    return { reason: 'CreateContainerError', message };
  }
  record('Normal', 'Created', `Created container: ${c.name}`);
  try {
    await cri.startContainer(containerId, { signal });
  } catch (err) {
    signal?.throwIfAborted();
    const message = errText(err);
    record('Warning', 'Failed', `Error: ${message}`);
    return { reason: 'RunContainerError', message };
  }
  record('Normal', 'Started', `Started container ${c.name}`);

  if (c.lifecycle?.postStart) {
    const err = await runHook(c.lifecycle.postStart, {
      cri, clock: deps.clock, containerId, container: c, podIPs, timeoutSeconds: 0, signal, fetch: deps.fetch,
    });
    // Cancelled (the pod is terminating): not the hook's failure; the termination kills the container.
    signal?.throwIfAborted();
    if (err) {
      // The event leaves the hook's output out, as upstream does (it may hold secrets).
      record('Warning', 'FailedPostStartHook', 'PostStartHook failed');
      try {
        await killContainer(deps, { pod, ref, containerId, name: c.name, container: c, message: 'FailedPostStartHook', podIPs, signal });
      } catch (killErr) {
        deps.log?.error('Failed to kill container after a failed postStart hook', killErr, { container: c.name });
      }
      return { reason: 'PostStartHookError', message: err };
    }
  }
  return undefined;
}
