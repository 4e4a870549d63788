// The status manager, as upstream's pkg/kubelet/status: caches each pod's latest status, and a
// sync loop (every 10 s, and at once on a change) patches pods/<name>/status when the status
// changed since it was last sent. Static pods report through their mirror pod. A pod gone from
// the API is forgotten; failures are retried with backoff; a terminated pod whose resources are
// reclaimed is deleted from the API with grace 0 and a UID precondition.
import type { Pod } from '../../api/core/index.ts';
import { rfc3339 } from '../../api/object.ts';
import { Backoff } from '../backoff.ts';
import { anySignal, type Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { containersReadyCondition, podReadyCondition, replaceOrAppendCondition, withTransitionTimes } from './conditions.ts';
import { podStatusPatch } from './patch.ts';
import { illegalTransition, mergePodStatus, sameStatus, terminatedPodStatus } from './transitions.ts';
import type { PodStatus } from '../../api/core/index.ts';
import { isMirrorPod, isStaticPod } from '../../api/pod/index.ts';
import { isTerminalPhase } from './types.ts';

/** What the status manager needs of the API (the integrator adapts the kubelet's client). */
export interface PodStatusClient {
  getPod(namespace: string, name: string): Promise<Pod>;
  /** PATCH pods/<name>/status with a strategic merge patch; resolves to the updated pod. */
  patchPodStatus(namespace: string, name: string, patch: Record<string, unknown>): Promise<Pod>;
  /** DELETE with gracePeriodSeconds 0 and preconditions.uid. */
  deletePod(namespace: string, name: string, uid: string): Promise<void>;
}

export interface MirrorPodRef { namespace: string; name: string; uid: string }

export interface StatusManagerOptions {
  client: PodStatusClient;
  clock: Clock;
  log: Logger;
  /** The mirror pod of a static pod, once it exists. */
  mirrorPodFor?: (staticPodUid: string) => MirrorPodRef | undefined;
  /** Containers of the pod may still be running: a terminal phase is held back until they stop. */
  podCouldHaveRunningContainers?: (uid: string) => boolean;
  /** Volumes unmounted, cgroups gone: a deleted terminal pod may then be removed from the API. */
  podResourcesAreReclaimed?: (pod: Pod, status: PodStatus) => boolean;
  syncPeriodMs?: number;
  queueLimit?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

interface Entry {
  pod: Pod;
  status: PodStatus;
  version: number;
  /** Set by terminatePod: the pod's containers are gone and its termination is complete. */
  finished: boolean;
  /** The pod as the API server last returned it. */
  apiPod?: Pod;
}

/**
 * Upstream's canBeDeleted: only a pod being deleted, that the API already shows terminal, once its
 * termination finished (or its resources are reclaimed); never a mirror pod.
 */
export function canBeDeleted(apiPod: Pod, finished: boolean, resourcesReclaimed: () => boolean): boolean {
  if (!apiPod.metadata.deletionTimestamp || isMirrorPod(apiPod)) return false;
  if (!isTerminalPhase(apiPod.status?.phase)) return false;
  return finished || resourcesReclaimed();
}

/** Status syncs in flight at once. */
const syncConcurrency = 8;

const isNotFound = (e: unknown) => (e as { code?: number } | null)?.code === 404;

export class StatusManager {
  private readonly entries = new Map<string, Entry>();
  /** The version last sent for each pod, and the UID of the API pod it went to (a mirror's for a static pod). */
  private readonly sent = new Map<string, { version: number; to: string }>();
  private readonly queue = new Set<string>();
  private readonly retries = new Map<string, { at: number; backoff: Backoff }>();
  private wakeUp?: AbortController;
  private nextVersion = 1;
  private readonly period: number;
  private readonly queueLimit: number;

  constructor(private readonly o: StatusManagerOptions) {
    this.period = o.syncPeriodMs ?? 10_000;
    this.queueLimit = o.queueLimit ?? 1000;
  }

  getPodStatus(uid: string): PodStatus | undefined {
    const e = this.entries.get(uid);
    return e ? structuredClone(e.status) : undefined;
  }

  /** The cached status itself, for readers that never change it (the prober, every tick). */
  peekPodStatus(uid: string): Readonly<PodStatus> | undefined {
    return this.entries.get(uid)?.status;
  }

  /** Caches the pod's status; queues a patch when it differs from the cached one. */
  setPodStatus(pod: Pod, status: PodStatus): void {
    this.update(pod, status, false, false);
  }

  /** The prober's readiness result: Ready and ContainersReady follow it at once. */
  setContainerReadiness(podUid: string, containerId: string, ready: boolean): void {
    const e = this.entries.get(podUid);
    if (!e) return;
    const status = structuredClone(e.status);
    const all = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])];
    const target = all.find((s) => s.containerID === containerId);
    if (!target || target.ready === ready) return;
    target.ready = ready;
    const spec = e.pod.spec ?? {};
    const phase = status.phase ?? 'Pending';
    let conditions = status.conditions ?? [];
    conditions = replaceOrAppendCondition(conditions, podReadyCondition(spec, conditions, all, phase));
    conditions = replaceOrAppendCondition(conditions, containersReadyCondition(spec, all, phase));
    status.conditions = conditions;
    this.update(e.pod, status, false, false);
  }

  /** The pod's containers are all gone: every container ends terminated and the phase is terminal. */
  terminatePod(pod: Pod): void {
    const uid = pod.metadata.uid!;
    const base = this.entries.get(uid)?.status ?? pod.status ?? {};
    this.update(pod, terminatedPodStatus(pod, base), true, true);
  }

  removePod(uid: string): void {
    this.entries.delete(uid);
    this.sent.delete(uid);
    this.queue.delete(uid);
    this.retries.delete(uid);
  }

  /** Forgets every pod not in `keep` (upstream's RemoveOrphanedStatuses). */
  removeOrphanedStatuses(keep: ReadonlySet<string>): void {
    for (const uid of [...this.entries.keys()]) if (!keep.has(uid)) this.removePod(uid);
  }

  private update(pod: Pod, next: PodStatus, force: boolean, finished: boolean): void {
    const uid = pod.metadata.uid!;
    const cached = this.entries.get(uid);
    const old: PodStatus = cached?.status ?? pod.status ?? {};
    const illegal = illegalTransition(old, next, pod.spec ?? {});
    if (illegal) {
      this.o.log.error('Status update on pod aborted', new Error(illegal), { pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
      return;
    }
    const status = structuredClone(next);
    status.conditions = withTransitionTimes(status.conditions ?? [], old.conditions, rfc3339(this.o.clock.now()));
    status.startTime = old.startTime ?? status.startTime ?? rfc3339(this.o.clock.now());
    if (cached && !force && sameStatus(cached.status, status)) {
      cached.pod = pod;
      // The status is unchanged but its mirror pod is new: the new one shows nothing yet.
      if (this.sentToOldMirror(uid, cached) && !this.retries.has(uid)) this.enqueue(uid);
      return;
    }
    this.entries.set(uid, { pod, status, version: this.nextVersion++, finished: finished || (cached?.finished ?? false), apiPod: cached?.apiPod });
    this.enqueue(uid);
  }

  private enqueue(uid: string): void {
    if (this.queue.size >= this.queueLimit && !this.queue.has(uid)) {
      // The periodic sync still picks the change up: it compares versions.
      this.o.log.warn('Skipping the status update for pod for now because the channel is full', { podUID: uid });
      return;
    }
    this.queue.add(uid);
    this.wakeUp?.abort();
  }

  private needsUpdate(uid: string): boolean {
    const e = this.entries.get(uid);
    if (!e) return false;
    const sent = this.sent.get(uid);
    return sent === undefined || sent.version < e.version || this.sentToOldMirror(uid, e) || (e.apiPod !== undefined && this.deletable(uid, e, e.apiPod));
  }

  /**
   * A static pod whose status went to a mirror pod since deleted and recreated (a new UID): the
   * status must go to the new mirror, as upstream's syncBatch does when needsReconcile finds the
   * mirror's status differs from the cached one (it translates the static pod's UID to the mirror's).
   */
  private sentToOldMirror(uid: string, e: Entry): boolean {
    const sent = this.sent.get(uid);
    if (!sent || !isStaticPod(e.pod)) return false;
    const mirror = this.o.mirrorPodFor?.(uid);
    return mirror !== undefined && mirror.uid !== sent.to;
  }

  private deletable(uid: string, e: Entry, apiPod: Pod): boolean {
    if (isStaticPod(e.pod)) return false;
    const couldRun = this.o.podCouldHaveRunningContainers?.(uid) ?? false;
    return canBeDeleted(apiPod, e.finished, () => !couldRun && (this.o.podResourcesAreReclaimed?.(apiPod, e.status) ?? false));
  }

  /** Runs the sync loop until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const clock = this.o.clock;
    let nextBatch = clock.now().getTime() + this.period;
    while (!signal.aborted) {
      const now = clock.now().getTime();
      const batch = now >= nextBatch;
      if (batch) nextBatch = now + this.period;
      const due = new Set(this.queue);
      this.queue.clear();
      for (const [uid, r] of this.retries) if (r.at <= now) due.add(uid);
      if (batch) for (const uid of this.entries.keys()) if (this.needsUpdate(uid) && !this.waitingToRetry(uid, now)) due.add(uid);
      // Pods are independent: several in flight at once, each still one request at a time.
      const pending = [...due];
      await Promise.all(
        Array.from({ length: Math.min(syncConcurrency, pending.length) }, async () => {
          for (let uid = pending.shift(); uid !== undefined && !signal.aborted; uid = pending.shift()) await this.syncOne(uid);
        }),
      );
      if (signal.aborted) return;
      if (this.queue.size > 0) continue;
      const retryAts = [...this.retries.values()].map((r) => r.at);
      const wakeAt = Math.min(nextBatch, ...retryAts);
      this.wakeUp = new AbortController();
      // Not AbortSignal.any: the lifetime signal would keep one composite per turn.
      const any = anySignal(signal, this.wakeUp.signal);
      await clock.sleep(Math.max(0, wakeAt - clock.now().getTime()), any.signal).finally(any.release);
      this.wakeUp = undefined;
    }
  }

  private waitingToRetry(uid: string, now: number): boolean {
    const r = this.retries.get(uid);
    return r !== undefined && r.at > now;
  }

  /** One attempt to bring the API up to date for a pod; failures schedule a retry. */
  async syncOne(uid: string): Promise<void> {
    const e = this.entries.get(uid);
    if (!e || !this.needsUpdate(uid)) {
      this.retries.delete(uid);
      return;
    }
    try {
      await this.sync(uid, e);
      this.retries.delete(uid);
    } catch (err) {
      const r = this.retries.get(uid) ?? { at: 0, backoff: new Backoff({ initialMs: this.o.retryInitialMs ?? 1000, maxMs: this.o.retryMaxMs ?? this.period }) };
      r.at = this.o.clock.now().getTime() + r.backoff.next();
      this.retries.set(uid, r);
      this.o.log.warn('Failed to update status for pod', { pod: `${e.pod.metadata.namespace}/${e.pod.metadata.name}`, podUID: uid, err: err instanceof Error ? err.message : String(err) });
    }
  }

  private target(uid: string, pod: Pod): MirrorPodRef | undefined {
    if (!isStaticPod(pod)) return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name!, uid };
    return this.o.mirrorPodFor?.(uid);
  }

  private async sync(uid: string, e: Entry): Promise<void> {
    const target = this.target(uid, e.pod);
    if (!target) {
      // A static pod without its mirror yet: the next sync tries again.
      this.o.log.info('Static pod does not have a corresponding mirror pod; skipping status update', { podUID: uid });
      return;
    }
    let apiPod: Pod;
    try {
      apiPod = await this.o.client.getPod(target.namespace, target.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.o.log.info('Pod does not exist on the server', { pod: `${target.namespace}/${target.name}`, podUID: uid });
      if (!isStaticPod(e.pod)) this.removePod(uid);
      return;
    }
    if (apiPod.metadata.uid !== target.uid) {
      this.o.log.info('Pod was deleted and then recreated, skipping status update', { pod: `${target.namespace}/${target.name}`, oldPodUID: target.uid, podUID: apiPod.metadata.uid });
      if (!isStaticPod(e.pod)) this.removePod(uid);
      return;
    }
    const couldRun = this.o.podCouldHaveRunningContainers?.(uid) ?? false;
    const apiStatus: PodStatus = apiPod.status ?? {};
    const merged = mergePodStatus(apiStatus, e.status, couldRun, rfc3339(this.o.clock.now()));
    const { patch, unchanged } = podStatusPatch(target.uid, apiStatus, merged);
    let current = apiPod;
    if (!unchanged) {
      try {
        current = await this.o.client.patchPodStatus(target.namespace, target.name, patch);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!isStaticPod(e.pod)) this.removePod(uid);
        return;
      }
    }
    // A terminal phase held back is not sent yet: the periodic sync tries again.
    if (merged.phase === e.status.phase) this.sent.set(uid, { version: e.version, to: target.uid });
    e.apiPod = current;
    if (this.deletable(uid, e, current)) {
      try {
        await this.o.client.deletePod(target.namespace, target.name, target.uid);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.o.log.info('Pod fully terminated and removed from etcd', { pod: `${target.namespace}/${target.name}` });
      this.removePod(uid);
    }
  }
}
