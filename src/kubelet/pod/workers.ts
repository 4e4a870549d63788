// Pod workers: one serialized lane per pod UID, as upstream's podWorkers. A pod is synced until
// it is told to terminate; then it is terminated once (with its grace period), cleaned up, and
// forgotten when removed. Updates that arrive while a lane is busy collapse into the newest.
import type { KubeObject } from '../../api/object.ts';
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
  syncPod(pod: KubeObject, signal: AbortSignal): Promise<SyncOutcome>;
  /** Stops everything of the pod within the grace period. */
  terminatePod(pod: KubeObject, gracePeriodSeconds: number | undefined): Promise<void>;
  /** After termination: volumes, directories, the API object or mirror pod. */
  cleanupPod(pod: KubeObject, removed: boolean): Promise<void>;
}

interface Lane {
  pod: KubeObject;
  state: PodState;
  gracePeriod?: number;
  removed: boolean;
  busy: boolean;
  pending: boolean;
  timer?: NodeJS.Timeout;
}

export interface PodUpdate {
  pod: KubeObject;
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
  ) {}

  update(u: PodUpdate): void {
    const uid = u.pod.metadata.uid!;
    let lane = this.lanes.get(uid);
    if (!lane) {
      lane = { pod: u.pod, state: 'syncing', removed: false, busy: false, pending: false };
      this.lanes.set(uid, lane);
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
    try {
      if (lane.state === 'syncing') {
        const outcome = await this.lifecycle.syncPod(lane.pod, this.signal);
        if (lane.state !== 'syncing' || this.signal.aborted) return;
        if (outcome.terminal) {
          lane.state = 'terminating';
          lane.pending = true;
        } else if (outcome.resyncAfterMs !== undefined) {
          lane.timer = setTimeout(() => this.resync(uid), outcome.resyncAfterMs);
        }
      } else if (lane.state === 'terminating') {
        await this.lifecycle.terminatePod(lane.pod, lane.gracePeriod);
        lane.state = 'terminated';
        lane.pending = true;
      } else {
        await this.lifecycle.cleanupPod(lane.pod, lane.removed);
        if (lane.removed) this.lanes.delete(uid);
      }
    } catch (e) {
      this.log.error('Error syncing pod, skipping', e, { pod: `${lane.pod.metadata.namespace}/${lane.pod.metadata.name}`, podUID: uid });
      if (!this.signal.aborted) lane.timer = setTimeout(() => this.resync(uid), 2000);
    }
  }
}
