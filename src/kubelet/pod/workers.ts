// Pod workers: one serialized lane per pod UID, as upstream's podWorkers. A pod is synced until
// it is told to terminate; then it is terminated once (with its grace period), cleaned up, and
// forgotten when removed. Updates that arrive while a lane is busy collapse into the newest.
import type { Pod } from '../../api/core/index.ts';
import type { Logger } from '../log.ts';

export type PodState = 'syncing' | 'terminating' | 'terminated';

export interface SyncOutcome {
  /** Sync again after this long (ms). */
  resyncAfterMs?: number;
  /** The pod has finished (Succeeded or Failed): terminate it, as upstream's worker does. */
  terminal?: boolean;
}

export interface PodLifecycle {
  /** Makes the node match the pod, and says what comes next. */
  syncPod(pod: Pod, signal: AbortSignal): Promise<SyncOutcome>;
  /** Stops everything of the pod within the grace period. */
  terminatePod(pod: Pod, gracePeriodSeconds: number | undefined): Promise<void>;
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

export interface PodWorkersHooks {
  /** After each syncPod and terminatePod; must not throw. */
  onSync?: (e: PodSyncEvent) => void;
}

interface Lane {
  pod: Pod;
  state: PodState;
  /** What the next sync is: create until the first one ran, update after the pod changed. */
  op: Exclude<PodSyncOperation, 'kill'>;
  gracePeriod?: number;
  removed: boolean;
  busy: boolean;
  pending: boolean;
  timer?: NodeJS.Timeout;
}

export interface PodUpdate {
  pod: Pod;
  /** Terminate (pod deleted in the API, static manifest removed, or finished). */
  terminate?: boolean;
  gracePeriodSeconds?: number;
  /** The pod is gone from every source: forget it after cleanup. */
  removed?: boolean;
}

export class PodWorkers {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly lifecycle: PodLifecycle,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly hooks: PodWorkersHooks = {},
  ) {}

  update(u: PodUpdate): void {
    const uid = u.pod.metadata.uid!;
    let lane = this.lanes.get(uid);
    if (!lane) {
      lane = { pod: u.pod, state: 'syncing', op: 'create', removed: false, busy: false, pending: false };
      this.lanes.set(uid, lane);
    } else if (lane.op !== 'create') {
      lane.op = 'update';
    }
    lane.pod = u.pod;
    if (u.removed) lane.removed = true;
    if ((u.terminate || u.removed) && lane.state === 'syncing') {
      lane.state = 'terminating';
      lane.gracePeriod = u.gracePeriodSeconds;
    } else if (lane.state === 'terminating' && u.gracePeriodSeconds !== undefined && (lane.gracePeriod === undefined || u.gracePeriodSeconds < lane.gracePeriod)) {
      lane.gracePeriod = u.gracePeriodSeconds;
    }
    this.kick(uid, lane);
  }

  /** Syncs a known pod again (PLEG event, resync). */
  resync(uid: string): void {
    const lane = this.lanes.get(uid);
    if (lane) this.kick(uid, lane);
  }

  state(uid: string): PodState | undefined {
    return this.lanes.get(uid)?.state;
  }

  known(): string[] {
    return [...this.lanes.keys()];
  }

  private kick(uid: string, lane: Lane): void {
    if (this.signal.aborted) return;
    clearTimeout(lane.timer);
    lane.timer = undefined;
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
    const started = performance.now();
    let operation: PodSyncOperation | undefined;
    try {
      if (lane.state === 'syncing') {
        operation = lane.op;
        lane.op = 'sync';
        const outcome = await this.lifecycle.syncPod(lane.pod, this.signal);
        this.report(uid, lane, operation, started);
        if (lane.state !== 'syncing' || this.signal.aborted) return;
        if (outcome.terminal) {
          lane.state = 'terminating';
          lane.pending = true;
        } else if (outcome.resyncAfterMs !== undefined) {
          lane.timer = setTimeout(() => this.resync(uid), outcome.resyncAfterMs);
        }
      } else if (lane.state === 'terminating') {
        operation = 'kill';
        await this.lifecycle.terminatePod(lane.pod, lane.gracePeriod);
        this.report(uid, lane, operation, started);
        lane.state = 'terminated';
        lane.pending = true;
      } else {
        await this.lifecycle.cleanupPod(lane.pod, lane.removed);
        if (lane.removed) this.lanes.delete(uid);
      }
    } catch (e) {
      if (operation) this.report(uid, lane, operation, started, e);
      this.log.error('Error syncing pod, skipping', e, { pod: `${lane.pod.metadata.namespace}/${lane.pod.metadata.name}`, podUID: uid });
      if (!this.signal.aborted) lane.timer = setTimeout(() => this.resync(uid), 2000);
    }
  }

  private report(uid: string, lane: Lane, operation: PodSyncOperation, started: number, error?: unknown): void {
    try {
      this.hooks.onSync?.({ uid, pod: lane.pod, operation, durationMs: performance.now() - started, ...(error !== undefined ? { error } : {}) });
    } catch (e) {
      // An observer's failure is not the pod's: never let it turn into a sync error.
      this.log.error('Pod sync observer failed', e, { podUID: uid });
    }
  }
}
