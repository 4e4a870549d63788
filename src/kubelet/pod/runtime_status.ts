// Where a pod sync gets the runtime's view of the pod from, as upstream's pod worker does: the
// PLEG's pod cache, once it holds data newer than the pod's last sync (GetNewerThan), instead of
// asking the runtime again. A pod never synced waits for nothing beyond the first relist. Without
// a cache (tests, a kubelet without PLEG) every status is read from the runtime. What the kubelet
// reads itself goes into the cache, so that the PLEG need not read it again.
import type { Clock } from '../clock.ts';
import type { RuntimePodStatus } from '../container/types.ts';
import type { PodCache } from '../pleg/index.ts';

export interface PodKey { uid: string; name: string; namespace: string }

export interface RuntimeStatusSourceDeps {
  /** The PLEG's cache; absent: always fetch. */
  cache?: Pick<PodCache, 'getNewerThan' | 'offer'>;
  /** GetPodStatus from the runtime. */
  fetch: (uid: string, name: string, namespace: string) => Promise<RuntimePodStatus>;
  clock: Clock;
}

export class RuntimeStatusSource {
  /** When each pod's last sync finished: the cache must be newer than that for the next one. */
  private readonly lastSync = new Map<string, Date>();

  constructor(private readonly d: RuntimeStatusSourceDeps) {}

  /** The status a sync starts from. Rejects when the signal aborts while waiting for the cache. */
  async forSync(pod: PodKey, signal?: AbortSignal): Promise<RuntimePodStatus> {
    const cache = this.d.cache;
    if (!cache) return this.fresh(pod);
    const entry = await cache.getNewerThan(pod.uid, this.lastSync.get(pod.uid) ?? new Date(0), signal);
    if (!entry) throw signal?.reason ?? new Error('aborted waiting for the pod cache');
    // The PLEG could not read this pod: ask the runtime directly (it throws if it still cannot).
    if (entry.error !== undefined) return this.fresh(pod);
    // Shared with other readers: a shallow copy that names the pod (an unknown pod's entry is empty).
    return { ...entry.status, uid: pod.uid, name: pod.name, namespace: pod.namespace };
  }

  /**
   * A fresh read from the runtime (after acting on the pod, or to kill it), offered to the cache:
   * the PLEG need not read the pod again when its next relist sees the same.
   */
  async fresh(pod: PodKey): Promise<RuntimePodStatus> {
    const started = this.d.clock.now();
    const status = await this.d.fetch(pod.uid, pod.name, pod.namespace);
    this.d.cache?.offer(pod.uid, status, started);
    return status;
  }

  /** The pod's sync finished now: later syncs need a cache entry newer than this. */
  synced(uid: string): void {
    this.lastSync.set(uid, this.d.clock.now());
  }

  forget(uid: string): void {
    this.lastSync.delete(uid);
  }
}
