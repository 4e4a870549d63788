// The generic PLEG (pod lifecycle event generator), as upstream's pkg/kubelet/pleg/generic.go:
// relist the runtime every second, diff against the previous relist, refresh the pod cache for
// every pod that changed, and send the events on a bounded channel. healthy() fails when no relist
// has succeeded within the threshold (3 minutes), which /healthz reports.
import { formatDuration } from '../../api/duration.ts';
import type { RuntimePodStatus } from '../container/types.ts';
import type { Clock } from '../clock.ts';
import type { HealthCheck } from '../healthz.ts';
import type { Logger } from '../log.ts';
import { PodCache } from './cache.ts';
import { BoundedChannel } from './channel.ts';
import { computePodEvents, statusMatchesRelist } from './events.ts';
import type { PodLifecycleEvent, RelistPod } from './types.ts';

export const RELIST_PERIOD_MS = 1_000;
export const RELIST_THRESHOLD_MS = 3 * 60_000;
export const EVENT_CHANNEL_CAPACITY = 1_000;

export interface GenericPLEGOptions {
  /** Every pod the runtime has, by UID (sandboxes and containers, IDs and states). */
  relist: () => Promise<Map<string, RelistPod>>;
  /** The full runtime status of one pod (the runtime manager's GetPodStatus). */
  getPodStatus: (uid: string, name: string, namespace: string) => Promise<RuntimePodStatus>;
  clock: Clock;
  log: Logger;
  cache?: PodCache;
  relistPeriodMs?: number;
  relistThresholdMs?: number;
  channelCapacity?: number;
  /**
   * Called after each relist (for metrics): its duration, the time since the previous successful
   * relist began (undefined for the first), and whether it succeeded. Failed relists are timed too,
   * as upstream's relist duration metric.
   */
  onRelist?: (durationMs: number, intervalMs: number | undefined, succeeded: boolean) => void;
}

export interface PLEGStats {
  relists: number;
  lastRelistTime?: Date;
  lastRelistDurationMs?: number;
  discardedEvents: number;
}

export class GenericPLEG {
  readonly cache: PodCache;
  readonly events: BoundedChannel<PodLifecycleEvent>;
  private records = new Map<string, RelistPod>();
  private toReinspect = new Map<string, RelistPod>();
  private readonly stats_: PLEGStats = { relists: 0, discardedEvents: 0 };

  constructor(private readonly o: GenericPLEGOptions) {
    this.cache = o.cache ?? new PodCache();
    this.events = new BoundedChannel(o.channelCapacity ?? EVENT_CHANNEL_CAPACITY);
  }

  stats(): PLEGStats {
    return { ...this.stats_ };
  }

  /** Why the PLEG is unhealthy, or undefined when it is healthy. */
  unhealthyReason(): string | undefined {
    const last = this.stats_.lastRelistTime;
    if (!last) return 'pleg has yet to be successful';
    const elapsed = this.o.clock.now().getTime() - last.getTime();
    const threshold = this.o.relistThresholdMs ?? RELIST_THRESHOLD_MS;
    if (elapsed > threshold) return `pleg was last seen active ${formatDuration(elapsed)} ago; threshold is ${formatDuration(threshold)}`;
    return undefined;
  }

  healthy(): boolean {
    return this.unhealthyReason() === undefined;
  }

  /** The `pleg` check for /healthz. */
  healthCheck(): HealthCheck {
    return { name: 'pleg', check: () => this.unhealthyReason() };
  }

  /** Relists every period until the signal aborts (the period runs from the end of a relist). */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.o.relistPeriodMs ?? RELIST_PERIOD_MS;
    while (!signal.aborted) {
      await this.relist();
      await this.o.clock.sleep(period, signal);
    }
  }

  /** One relist: diff, refresh the cache of changed pods, emit their events. */
  async relist(): Promise<void> {
    const timestamp = this.o.clock.now();
    const started = performance.now();
    const previous = this.stats_.lastRelistTime;
    const intervalMs = previous ? timestamp.getTime() - previous.getTime() : undefined;
    let current: Map<string, RelistPod>;
    try {
      current = await this.o.relist();
    } catch (err) {
      this.o.log.error('GenericPLEG: Unable to retrieve pods', err);
      this.o.onRelist?.(performance.now() - started, intervalMs, false);
      return;
    }
    this.stats_.lastRelistTime = timestamp;

    const uids = new Set([...this.records.keys(), ...current.keys()]);
    const needsReinspection = new Map<string, RelistPod>();
    for (const uid of uids) {
      const old = this.records.get(uid);
      const pod = current.get(uid);
      const events = computePodEvents(uid, old, pod);
      if (events.length === 0) continue;
      const failed = await this.updateCache(uid, pod, timestamp);
      if (failed) {
        // Keep the old record so that the change is seen again on the next relist.
        if (pod) needsReinspection.set(uid, pod);
        continue;
      }
      this.toReinspect.delete(uid);
      if (pod) this.records.set(uid, pod);
      else this.records.delete(uid);
      for (const e of events) {
        // As upstream: ContainerChanged is not reliable and nothing consumes it.
        if (e.type !== 'ContainerChanged') this.send(e);
      }
    }
    // Record pods that appeared without events (e.g. empty), so that they are diffed next time.
    for (const [uid, pod] of current) if (!this.records.has(uid) && !needsReinspection.has(uid)) this.records.set(uid, pod);

    for (const [uid, pod] of this.toReinspect) {
      if (needsReinspection.has(uid)) continue;
      if (await this.updateCache(uid, pod, timestamp)) needsReinspection.set(uid, pod);
      else this.send({ id: uid, type: 'PodSync' });
    }
    // Only after every changed pod is refreshed may the cache vouch for this relist's time.
    this.cache.updateTime(timestamp);
    this.toReinspect = needsReinspection;

    const duration = performance.now() - started;
    this.stats_.relists++;
    this.stats_.lastRelistDurationMs = duration;
    this.o.onRelist?.(duration, intervalMs, true);
  }

  private send(e: PodLifecycleEvent): void {
    if (!this.events.trySend(e)) {
      this.stats_.discardedEvents++;
      this.o.log.error('Event channel is full, discard this relist() cycle event', undefined, { podUID: e.id, event: e.type });
    }
  }

  /** Fetches the pod's status into the cache; true when that failed. */
  private async updateCache(uid: string, pod: RelistPod | undefined, relistTime: Date): Promise<boolean> {
    if (!pod) {
      // No sandbox or container left: the pod is gone from the runtime.
      this.cache.delete(uid);
      return false;
    }
    // The kubelet already read this pod after acting on it, and that is what the relist saw.
    const known = this.cache.peek(uid);
    if (known && known.error === undefined && statusMatchesRelist(known.status, pod)) {
      if (known.modified < relistTime) this.cache.set(uid, known.status, undefined, relistTime);
      return false;
    }
    const timestamp = this.o.clock.now();
    try {
      const status = await this.o.getPodStatus(uid, pod.name, pod.namespace);
      status.ips = this.podIPs(uid, status);
      this.cache.set(uid, status, undefined, timestamp);
      return false;
    } catch (err) {
      this.o.log.warn('PLEG: Ignoring events for pod', { pod: `${pod.namespace}/${pod.name}`, err: err instanceof Error ? err.message : String(err) });
      this.cache.set(uid, undefined, err, timestamp);
      return true;
    }
  }

  /** A pod whose sandboxes are all stopped reports no IPs; it keeps the ones it had. */
  private podIPs(uid: string, status: RuntimePodStatus): string[] {
    if (status.ips.length > 0) return status.ips;
    const old = this.cache.get(uid).status.ips;
    if (old.length === 0 || status.sandboxes.some((s) => s.state === 'ready')) return status.ips;
    return old;
  }
}
