// The pod cache, as upstream's kubecontainer.Cache: the latest RuntimePodStatus of each pod with
// the time it was fetched, and a global timestamp (the last relist) that vouches for every pod.
// getNewerThan waits until the cache holds data at least as fresh as the caller needs, so a pod
// worker never acts on a status older than what it last saw.
import type { RuntimePodStatus } from '../container/types.ts';

export interface CachedPodStatus {
  status: RuntimePodStatus;
  error?: unknown;
  /** When the status was fetched (zero for a pod the cache knows nothing about). */
  modified: Date;
}

interface Waiter {
  uid: string;
  minTime: number;
  resolve: (d: CachedPodStatus | undefined) => void;
}

export function emptyPodStatus(uid: string): RuntimePodStatus {
  return { uid, name: '', namespace: '', ips: [], sandboxes: [], containers: [], timestamp: new Date(0) };
}

export class PodCache {
  private readonly pods = new Map<string, CachedPodStatus>();
  private timestamp?: Date;
  private waiters: Waiter[] = [];

  get(uid: string): CachedPodStatus {
    return this.pods.get(uid) ?? { status: emptyPodStatus(uid), modified: new Date(0) };
  }

  set(uid: string, status: RuntimePodStatus | undefined, error: unknown, modified: Date): void {
    this.pods.set(uid, { status: status ?? emptyPodStatus(uid), ...(error !== undefined ? { error } : {}), modified });
    this.notify();
  }

  /**
   * A status the kubelet read from the runtime itself (fetched from `modified` on), kept when it is
   * newer than what the cache has and than the last relist: a relist that then sees the same
   * states need not read the pod again. A status with nothing in it is never kept (the pod may be
   * gone, and only the PLEG forgets pods).
   */
  offer(uid: string, status: RuntimePodStatus, modified: Date): boolean {
    if (status.sandboxes.length === 0 && status.containers.length === 0) return false;
    const t = modified.getTime();
    const cur = this.pods.get(uid);
    if ((cur && cur.modified.getTime() >= t) || (this.timestamp && this.timestamp.getTime() >= t)) return false;
    this.set(uid, status, undefined, modified);
    return true;
  }

  /** The pod's entry, if the cache has one. */
  peek(uid: string): CachedPodStatus | undefined {
    return this.pods.get(uid);
  }

  delete(uid: string): void {
    this.pods.delete(uid);
    this.notify();
  }

  /** Every pod's entry is at least as fresh as `t` (set after a relist has updated all pods). */
  updateTime(t: Date): void {
    this.timestamp = t;
    this.notify();
  }

  /** The pod's entry if it is newer than minTime, either by itself or by the global timestamp. */
  private newerThan(uid: string, minTime: number): CachedPodStatus | undefined {
    const d = this.pods.get(uid);
    const globalNewer = this.timestamp !== undefined && this.timestamp.getTime() > minTime;
    if (!d) return globalNewer ? this.get(uid) : undefined;
    return d.modified.getTime() > minTime || globalNewer ? d : undefined;
  }

  /** Resolves with the pod's entry once newer than minTime; undefined if the signal aborts first. */
  getNewerThan(uid: string, minTime: Date, signal?: AbortSignal): Promise<CachedPodStatus | undefined> {
    const ready = this.newerThan(uid, minTime.getTime());
    if (ready || signal?.aborted) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        uid,
        minTime: minTime.getTime(),
        resolve: (d) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(d);
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private notify(): void {
    const still: Waiter[] = [];
    const done: [Waiter, CachedPodStatus][] = [];
    for (const w of this.waiters) {
      const d = this.newerThan(w.uid, w.minTime);
      if (d) done.push([w, d]);
      else still.push(w);
    }
    this.waiters = still;
    for (const [w, d] of done) w.resolve(d);
  }
}
