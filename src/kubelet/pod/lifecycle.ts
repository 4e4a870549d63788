// The kubelet's per-pod work (upstream's SyncPod / SyncTerminatingPod / SyncTerminatedPod):
// status from the runtime, the mirror pod of a static pod, volumes, then the runtime manager;
// on termination the reverse, ending with the API object (or mirror pod) deleted.
import type { Container, Pod, PodStatus } from '../../api/core/index.ts';
import { isStaticPod, pastActiveDeadline } from '../../api/pod/index.ts';
import { podFullName } from '../config/index.ts';
import type { Clock } from '../clock.ts';
import { getPodStatus, killPod, removePod, syncPod, type RuntimeManagerDeps, type SyncResult, type WaitingReason } from '../kuberuntime/index.ts';
import type { Logger } from '../log.ts';
import { generateApiPodStatus, isTerminalPhase, type StatusManager } from '../status/index.ts';
import { VolumeMountError, cleanupPodDataDirs, makeContainerMounts, type MountedVolume, type VolumeManager } from '../volume/index.ts';
import type { RuntimePodStatus } from '../container/types.ts';
import { createMirrorPod, deleteMirrorPod, type MirrorApi } from './mirror.ts';
import { PodManager } from './manager.ts';
import type { PodLifecycle, SyncOutcome } from './workers.ts';
import type { ProbeManager } from '../prober/index.ts';
import type { PodCache } from '../pleg/index.ts';
import { RuntimeStatusSource } from './runtime_status.ts';

export interface LifecycleDeps {
  /** The runtime manager's deps; the syncer adds the container mounts, which it keeps. */
  runtime: Omit<RuntimeManagerDeps, 'mounts'>;
  volumes: VolumeManager;
  status: StatusManager;
  prober: ProbeManager;
  pods: PodManager;
  /** For mirror pods; absent when the kubelet runs without an API server. */
  mirrorApi?: MirrorApi;
  node: () => { name: string; uid?: string; ips: string[] };
  /** The PLEG's pod cache: a sync starts from it (upstream's GetNewerThan); absent, from the runtime. */
  podCache?: Pick<PodCache, 'getNewerThan' | 'offer'>;
  rootDir: string;
  clusterDomain: string;
  /** --sync-frequency: how often a settled pod is synced again. */
  syncFrequencyMs: number;
  clock: Clock;
  log: Logger;
}

/** How soon a pod with containers in back-off (or being created) is looked at again. */
const busyResyncMs = 2_000;
/** Upstream jitters a settled pod's resync (--sync-frequency) by up to half of it. */
const resyncJitter = 0.5;

/** Whether a sync acted on the runtime (so that the status it started from is out of date). */
export function changedRuntime(r: SyncResult): boolean {
  const a = r.actions;
  return a.killPod || a.createSandbox || a.containersToKill.length > 0 || a.initContainersToStart.length > 0 || a.containersToStart.length > 0
    || a.ephemeralContainersToStart.length > 0
    || r.started.length > 0 || r.killed.length > 0 || r.errors.length > 0;
}

export class PodSyncer implements PodLifecycle {
  /** Why containers wait, from the last sync, for the next status. */
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();
  /** Volumes mounted per pod, for container mounts. */
  private readonly mounted = new Map<string, Map<string, MountedVolume>>();
  /** Pod IPs by UID, from the runtime (a sandbox keeps its IP for life). */
  private readonly ips = new Map<string, string[]>();
  private readonly runtimeStatuses: RuntimeStatusSource;
  private readonly runtime: RuntimeManagerDeps;

  constructor(private readonly d: LifecycleDeps) {
    this.runtimeStatuses = new RuntimeStatusSource({ cache: d.podCache, fetch: (uid, name, ns) => getPodStatus(d.runtime.cri, uid, name, ns), clock: d.clock });
    this.runtime = { ...d.runtime, mounts: (pod, container, podIPs, env) => this.containerMounts(pod, container, env, podIPs) };
  }

  /**
   * A new container's mounts: its volumes, /etc/hosts and termination log (the runtime manager's
   * `mounts`). env: the container's environment (for subPathExpr); sandboxIPs: the sandbox's IPs
   * as the runtime manager knows them, when it does.
   */
  private async containerMounts(pod: Pod, container: Container, env: ReadonlyMap<string, string>, sandboxIPs?: string[]) {
    const mounted = this.mounted.get(pod.metadata.uid!) ?? new Map();
    const ips = pod.spec.hostNetwork ? this.d.node().ips : sandboxIPs?.length ? sandboxIPs : await this.podIPs(pod);
    return makeContainerMounts({
      rootDir: this.d.rootDir, pod, container, mounted, podIPs: ips, clusterDomain: this.d.clusterDomain, env,
      bindSubPath: (s) => this.d.volumes.bindSubPath(s),
    });
  }

  private updateStatus(pod: Pod, runtime: RuntimePodStatus | undefined, terminal = false): PodStatus {
    const uid = pod.metadata.uid!;
    const status = generateApiPodStatus(pod, runtime, {
      oldStatus: this.d.status.getPodStatus(uid) ?? pod.status,
      nodeIPs: this.d.node().ips,
      now: this.d.clock.now(),
      waitingReasons: this.waiting.get(uid),
      podIsTerminal: terminal,
      readiness: (id) => this.d.prober.readiness(id),
      startup: (id) => this.d.prober.startup(id),
    });
    this.d.status.setPodStatus(pod, status);
    this.d.prober.updatePodStatus(uid);
    return status;
  }

  /** The runtime's view of the pod: fresh, or (at the start of a sync) from the PLEG's cache. */
  private async runtimeStatus(pod: Pod, startOfSync?: { signal: AbortSignal }): Promise<RuntimePodStatus> {
    const key = { uid: pod.metadata.uid!, name: pod.metadata.name!, namespace: pod.metadata.namespace ?? 'default' };
    const status = startOfSync ? await this.runtimeStatuses.forSync(key, startOfSync.signal) : await this.runtimeStatuses.fresh(key);
    if (status.ips.length) this.ips.set(key.uid, status.ips);
    return status;
  }

  /** The pod's IPs (for /etc/hosts): known from the last status, else read once from the runtime. */
  private async podIPs(pod: Pod): Promise<string[]> {
    const uid = pod.metadata.uid!;
    const known = this.ips.get(uid);
    if (known) return known;
    const status = await getPodStatus(this.runtime.cri, uid, pod.metadata.name!, pod.metadata.namespace || 'default');
    if (status.ips.length) this.ips.set(uid, status.ips);
    return status.ips;
  }

  /** Creates the mirror pod of a static pod, replacing one of an older version. */
  async ensureMirrorPod(pod: Pod): Promise<void> {
    const api = this.d.mirrorApi;
    if (!api || !isStaticPod(pod)) return;
    const mirror = this.d.pods.mirrorOf(pod);
    if (mirror && PodManager.mirrorMatches(pod, mirror)) return;
    try {
      if (mirror) await deleteMirrorPod(api, mirror.metadata.namespace ?? 'default', mirror.metadata.name!, mirror.metadata.uid);
      const created = await createMirrorPod(api, pod, this.d.node());
      this.d.pods.set(created);
    } catch (e) {
      this.d.log.error('Failed creating a mirror pod', e, { pod: podFullName(pod) });
    }
  }

  async syncPod(pod: Pod, signal: AbortSignal): Promise<SyncOutcome> {
    const uid = pod.metadata.uid!;
    try {
      return await this.sync(pod, signal);
    } finally {
      this.runtimeStatuses.synced(uid);
    }
  }

  private async sync(pod: Pod, signal: AbortSignal): Promise<SyncOutcome> {
    const uid = pod.metadata.uid!;
    const runtime = await this.runtimeStatus(pod, { signal });
    const status = this.updateStatus(pod, runtime);
    // Finished pods (OnFailure/Never) and pods past their deadline are done: terminate them.
    if (isTerminalPhase(status.phase) || pastActiveDeadline(pod.spec, status.startTime, this.d.clock.now())) return { terminal: true };
    await this.ensureMirrorPod(pod);
    try {
      // Also makes the pod's data directories.
      this.mounted.set(uid, await this.d.volumes.mountPodVolumes(pod));
    } catch (e) {
      if (!(e instanceof VolumeMountError)) throw e;
      for (const f of e.failures) this.runtime.recorder.event({ name: pod.metadata.name!, namespace: pod.metadata.namespace!, uid }, 'Warning', 'FailedMount', f.message);
      return { resyncAfterMs: busyResyncMs };
    }
    // A new sandbox (none ready now) means new IPs.
    if (!runtime.sandboxes.some((sb) => sb.state === 'ready')) this.ips.delete(uid);
    this.d.prober.addPod(pod);
    const result = await syncPod(pod, runtime, this.runtime, { signal, ...this.d.prober.syncOptions(pod, runtime) });
    // A cancelled sync (the pod is terminating) ends here: its half-done result is no status to write.
    signal.throwIfAborted();
    this.waiting.set(uid, new Map(Object.entries(result.waiting)));
    // Read the runtime again only when this sync changed something in it.
    this.updateStatus(pod, changedRuntime(result) ? await this.runtimeStatus(pod) : runtime);
    const busy = Object.keys(result.waiting).length > 0 || result.errors.length > 0;
    return { resyncAfterMs: busy ? busyResyncMs : this.d.syncFrequencyMs * (1 + resyncJitter * Math.random()) };
  }

  async terminatePod(pod: Pod, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
    this.d.prober.stopLivenessAndStartup(pod);
    const runtime = await this.runtimeStatus(pod);
    await killPod(this.runtime, pod, runtime, { gracePeriodOverride: gracePeriodSeconds, signal });
    // Cancelled for a shorter grace period: the kill runs again, and reports then.
    signal?.throwIfAborted();
    this.updateStatus(pod, await this.runtimeStatus(pod), true);
  }

  async cleanupPod(pod: Pod, removed: boolean): Promise<void> {
    const uid = pod.metadata.uid!;
    // A finished pod keeps its exited containers (for logs) until it is gone; GC keeps the rest tidy.
    if (removed) await removePod(this.runtime, await this.runtimeStatus(pod));
    await this.d.volumes.unmountPodVolumes(uid);
    await cleanupPodDataDirs(this.d.rootDir, uid);
    await this.runtime.podCgroups?.remove(pod).catch((err) => this.d.log.error('Failed to remove the pod cgroup', err, { pod: pod.metadata.name }));
    this.waiting.delete(uid);
    this.mounted.delete(uid);
    this.ips.delete(uid);
    this.runtimeStatuses.forget(uid);
    this.d.prober.removePod(uid);
    // The API pod is deleted by the status manager once it is terminal; a static pod's mirror here.
    this.d.status.terminatePod(pod);
    if (removed && isStaticPod(pod) && this.d.mirrorApi) {
      // Only this version's mirror: a changed manifest's new pod may already have made its own.
      const mirror = this.d.pods.mirrorOf(pod);
      if (mirror && PodManager.mirrorMatches(pod, mirror)) await deleteMirrorPod(this.d.mirrorApi, mirror.metadata.namespace ?? 'default', mirror.metadata.name!, mirror.metadata.uid).catch(() => {});
    }
    if (removed) this.d.status.removePod(uid);
  }
}
