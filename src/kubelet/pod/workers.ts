// Pod workers: one serialized lane per pod UID, as upstream's podWorkers. A pod is synced until
// it is told to terminate; then it is terminated once (with its grace period), cleaned up, and
// forgotten when removed. Updates that arrive while a lane is busy collapse into the newest.
// Each sync gets a signal of its own: telling a pod to terminate cancels the sync in flight (an
// image pull, a hanging postStart hook), so that its termination starts at once; a shorter grace
// period cancels a kill in flight, which runs again with it. A pod that comes back (same UID)
// while it terminates is started afresh once it is terminated and cleaned up.
import type { Pod } from '../../api/core/index.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

export type PodState = 'syncing' | 'terminating' | 'terminated';

export interface SyncOutcome {
  /** Sync again after this long (ms). */
  resyncAfterMs?: number;
  /** The pod has finished (Succeeded or Failed): terminate it, as upstream's worker does. */
  terminal?: boolean;
}

export interface PodLifecycle {
  /** Makes the node match the pod, and says what comes next. Gives up soon after the signal aborts. */
  syncPod(pod: Pod, signal: AbortSignal): Promise<SyncOutcome>;
  /** Stops everything of the pod within the grace period. Gives up soon after the signal aborts. */
  terminatePod(pod: Pod, gracePeriodSeconds: number | undefined, signal: AbortSignal): Promise<void>;
  /** After termination: volumes, directories, the API object or mirror pod. */
  cleanupPod(pod: Pod, removed: boolean): Promise<void>;
}

/** A sync's kind, as upstream's SyncPodType: the first sync, one after the pod changed, a resync, or the kill. */
export type PodSyncOperation = 'create' | 'update' | 'sync' | 'kill';

/** One sync or termination the worker finished (or that threw), for metrics. */
export interface PodSyncEvent {
  uid: string;
  pod: Pod;
  operation: PodSyncOperation;
  durationMs: number;
  error?: unknown;
}

/** What a lane is doing now, for the sync loop's health check. */
export interface PodWork {
  uid: string;
  pod: Pod;
  operation: PodSyncOperation | 'cleanup';
  since: Date;
  /** A termination may take this long on top of the usual threshold. */
  gracePeriodSeconds?: number;
}

export interface PodUpdate {
  pod: Pod;
  /** Terminate (pod deleted in the API, static manifest removed, or finished). */
  terminate?: boolean;
  gracePeriodSeconds?: number;
  /** The pod is gone from every source: forget it after cleanup. */
  removed?: boolean;
}

/**
 * Each known pod's worker state (upstream's podSyncStatuses). Only the pod workers write it; the
 * status manager and housekeeping read it, and can be handed it before the workers exist.
 */
export class PodWorkerStates {
  private readonly states = new Map<string, PodState>();
  /** Housekeeping has run once every source was ready (upstream's podsSynced, set by SyncKnownPods). */
  private podsSynced = false;

  state(uid: string): PodState | undefined {
    return this.states.get(uid);
  }

  known(): string[] {
    return [...this.states.keys()];
  }

  /**
   * Upstream's CouldHaveRunningContainers: until the pod's termination is done; a pod no worker
   * knows (one refused at admission) only until the first housekeeping pass has seen every source.
   */
  couldHaveRunningContainers(uid: string): boolean {
    const state = this.states.get(uid);
    return state === undefined ? !this.podsSynced : state !== 'terminated';
  }

  /** For housekeeping, once every source is ready. */
  markPodsSynced(): void {
    this.podsSynced = true;
  }

  isTerminated(uid: string): boolean {
    return this.states.get(uid) === 'terminated';
  }

  /** For the pod workers. */
  set(uid: string, state: PodState): void {
    this.states.set(uid, state);
  }

  /** For the pod workers. */
  forget(uid: string): void {
    this.states.delete(uid);
  }
}

/**
 * How an update moves a lane (pure): a syncing pod told to terminate becomes terminating; a
 * terminating pod's grace period may only shorten. Either change cancels the work in flight: the
 * sync, or the kill (which runs again with the shorter grace period).
 */
export function terminationStep(
  state: PodState, gracePeriod: number | undefined, u: Pick<PodUpdate, 'terminate' | 'removed' | 'gracePeriodSeconds'>,
): { state: PodState; gracePeriod: number | undefined; cancelSync: boolean } {
  if ((u.terminate || u.removed) && state === 'syncing') return { state: 'terminating', gracePeriod: u.gracePeriodSeconds, cancelSync: true };
  const g = u.gracePeriodSeconds;
  if (state === 'terminating' && g !== undefined && (gracePeriod === undefined || g < gracePeriod)) return { state, gracePeriod: g, cancelSync: true };
  return { state, gracePeriod, cancelSync: false };
}

/** Where a synced pod waits for its next sync (the sync loop's resync queue). */
export interface ResyncQueue {
  enqueue(uid: string, delayMs: number): void;
}

export interface PodWorkersDeps {
  lifecycle: PodLifecycle;
  states: PodWorkerStates;
  resyncQueue: ResyncQueue;
  clock: Clock;
  log: Logger;
  /** The kubelet's lifetime: once it aborts no new work starts and syncs in flight are cancelled. */
  signal: AbortSignal;
  /** After each syncPod and terminatePod; must not throw. */
  onSync?: (e: PodSyncEvent) => void;
}

/** The grace period a termination runs with: the update's, else the deletion's or the spec's (30 s by default). */
function effectiveGracePeriod(lane: Lane): number {
  return lane.gracePeriod ?? lane.pod.metadata.deletionGracePeriodSeconds ?? lane.pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** How soon failed work is retried. */
const retryAfterErrorMs = 2_000;

interface Lane {
  pod: Pod;
  /** What the next sync is: create until the first one ran, update after the pod changed. */
  op: Exclude<PodSyncOperation, 'kill'>;
  gracePeriod?: number;
  removed: boolean;
  /**
   * The removed pod came back (a static pod's manifest moved out and in again: same UID) while it
   * terminates: once cleaned up it starts afresh, as upstream's restartRequested.
   */
  restartRequested: boolean;
  /** cleanupPod has run for the lane as it is (a later removal cleans up again). */
  cleaned: boolean;
  /** A piece of work runs (or is being wrapped up): others wait, collapsed into one. */
  busy: boolean;
  pending: boolean;
  working?: { operation: PodWork['operation']; since: Date; cancel?: AbortController };
}

export class PodWorkers {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly d: PodWorkersDeps) {
    d.signal.addEventListener('abort', () => {
      for (const lane of this.lanes.values()) lane.working?.cancel?.abort();
    }, { once: true });
  }

  update(u: PodUpdate): void {
    const uid = u.pod.metadata.uid!;
    let lane = this.lanes.get(uid);
    if (!lane) {
      lane = { pod: u.pod, op: 'create', removed: false, restartRequested: false, cleaned: false, busy: false, pending: false };
      this.lanes.set(uid, lane);
      this.d.states.set(uid, 'syncing');
    } else if (lane.op !== 'create') {
      lane.op = 'update';
    }
    lane.pod = u.pod;
    if (u.removed && !lane.removed) {
      lane.removed = true;
      lane.cleaned = false;
    }
    // A removed pod that a source has again: it should exist, but only after it is fully gone.
    if (lane.removed) lane.restartRequested = !u.removed && !u.terminate;
    const step = terminationStep(this.d.states.state(uid)!, lane.gracePeriod, u);
    this.d.states.set(uid, step.state);
    lane.gracePeriod = step.gracePeriod;
    if (step.cancelSync) lane.working?.cancel?.abort();
    this.kick(uid, lane);
  }

  /**
   * Syncs a known pod again (PLEG event, probe result, resync tick); a finished pod has nothing to
   * do. `pod`: the pod as the pod manager has it now (same spec, maybe a newer API status).
   */
  resync(uid: string, pod?: Pod): void {
    const lane = this.lanes.get(uid);
    if (!lane || (this.d.states.isTerminated(uid) && lane.cleaned)) return;
    if (pod) lane.pod = pod;
    this.kick(uid, lane);
  }

  /** The work in flight, oldest first. */
  busy(): PodWork[] {
    const out: PodWork[] = [];
    for (const [uid, lane] of this.lanes) {
      const w = lane.working;
      if (!w) continue;
      out.push({ uid, pod: lane.pod, operation: w.operation, since: w.since, ...(w.operation === 'kill' ? { gracePeriodSeconds: effectiveGracePeriod(lane) } : {}) });
    }
    return out.sort((a, b) => a.since.getTime() - b.since.getTime());
  }

  private kick(uid: string, lane: Lane): void {
    if (this.d.signal.aborted) return;
    if (lane.busy) {
      lane.pending = true;
      return;
    }
    lane.busy = true;
    void this.work(uid, lane).finally(() => {
      lane.busy = false;
      if (lane.pending) {
        lane.pending = false;
        this.kick(uid, lane);
      }
    });
  }

  private async work(uid: string, lane: Lane): Promise<void> {
    switch (this.d.states.state(uid)) {
      case 'syncing':
        return this.sync(uid, lane);
      case 'terminating':
        return this.terminate(uid, lane);
      case 'terminated':
        if (!lane.cleaned) return this.cleanup(uid, lane);
    }
  }

  private async sync(uid: string, lane: Lane): Promise<void> {
    const operation = lane.op;
    lane.op = 'sync';
    const cancel = new AbortController();
    const outcome = await this.attempt(uid, lane, operation, () => this.d.lifecycle.syncPod(lane.pod, cancel.signal), cancel);
    if (!outcome || this.d.states.state(uid) !== 'syncing' || this.d.signal.aborted) return;
    if (outcome.terminal) {
      this.d.states.set(uid, 'terminating');
      lane.pending = true;
    } else if (outcome.resyncAfterMs !== undefined) {
      this.d.resyncQueue.enqueue(uid, outcome.resyncAfterMs);
    }
  }

  private async terminate(uid: string, lane: Lane): Promise<void> {
    // Cancelled when the grace period shortens: the kill then runs again with it.
    const cancel = new AbortController();
    const done = await this.attempt(uid, lane, 'kill', async () => {
      await this.d.lifecycle.terminatePod(lane.pod, lane.gracePeriod, cancel.signal);
      return true;
    }, cancel);
    if (!done) return;
    this.d.states.set(uid, 'terminated');
    lane.pending = true;
  }

  private async cleanup(uid: string, lane: Lane): Promise<void> {
    const removed = lane.removed;
    const done = await this.attempt(uid, lane, 'cleanup', async () => {
      await this.d.lifecycle.cleanupPod(lane.pod, removed);
      return true;
    });
    if (!done) return;
    if (removed) {
      lane.cleaned = true;
      lane.pending = false;
      this.lanes.delete(uid);
      this.d.states.forget(uid);
      if (lane.restartRequested) this.update({ pod: lane.pod });
    } else if (!lane.removed) {
      lane.cleaned = true;
    }
  }

  /** Runs one piece of a lane's work: marks it in flight, reports it, and retries it later if it fails. */
  private async attempt<T>(uid: string, lane: Lane, operation: PodWork['operation'], fn: () => Promise<T>, cancel?: AbortController): Promise<T | undefined> {
    lane.working = { operation, since: this.d.clock.now(), cancel };
    const started = performance.now();
    const pod = `${lane.pod.metadata.namespace}/${lane.pod.metadata.name}`;
    const cancelled = () => {
      // Cancelled for the pod's termination (or the kubelet's stop): that work follows at once.
      // Whether the work gave up or finished anyway, it is neither a success nor a failure.
      this.d.log.v(2).info('Pod sync cancelled', { pod, podUID: uid, operation });
      return undefined;
    };
    try {
      const out = await fn();
      if (cancel?.signal.aborted) return cancelled();
      if (operation !== 'cleanup') this.report(uid, lane, operation, started);
      return out;
    } catch (e) {
      if (cancel?.signal.aborted) return cancelled();
      if (operation !== 'cleanup') this.report(uid, lane, operation, started, e);
      this.d.log.error('Error syncing pod, skipping', e, { pod, podUID: uid });
      if (!this.d.signal.aborted) this.d.resyncQueue.enqueue(uid, retryAfterErrorMs);
      return undefined;
    } finally {
      lane.working = undefined;
    }
  }

  private report(uid: string, lane: Lane, operation: PodSyncOperation, started: number, error?: unknown): void {
    try {
      this.d.onSync?.({ uid, pod: lane.pod, operation, durationMs: performance.now() - started, ...(error !== undefined ? { error } : {}) });
    } catch (e) {
      // An observer's failure is not the pod's: never let it turn into a sync error.
      this.d.log.error('Pod sync observer failed', e, { podUID: uid });
    }
  }
}
