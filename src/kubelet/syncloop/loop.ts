// The kubelet's sync loop (upstream's syncLoop / syncLoopIteration): the one place that takes the
// kubelet's inputs — pod changes from the sources, PLEG events, probe results, the one-second
// resync tick and the two-second housekeeping tick — and hands each to the pod workers, the pod
// manager or the status manager. An iteration never waits on pod work: the workers run their own
// lanes and housekeeping runs beside the loop, so what the health check watches is the work itself.
import type { Pod } from '../../api/core/index.ts';
import type { Clock } from '../clock.ts';
import type { PodChange } from '../config/index.ts';
import { syncLoopCheck, type HealthCheck, type InFlightWork } from '../healthz.ts';
import type { PodAdmission } from '../lifecycle/index.ts';
import type { Logger } from '../log.ts';
import type { PodLifecycleEvent } from '../pleg/index.ts';
import type { PodManager } from '../pod/manager.ts';
import type { PodWorkers } from '../pod/workers.ts';
import type { ProbeUpdate } from '../prober/index.ts';
import type { StatusManager } from '../status/index.ts';
import { configDispatch, plegDispatch, probeDispatch, resyncDispatch, type Dispatch } from './dispatch.ts';
import type { WorkQueue } from './workqueue.ts';

/** One end of a channel (pleg/channel.ts's BoundedChannel): take without waiting, or wait without taking. */
export interface Receiver<T> {
  tryReceive(): T | undefined;
  ready(signal: AbortSignal): Promise<void>;
}

export interface SyncLoopInputs {
  /** The pod sources' merged changes. */
  config: Receiver<PodChange[]>;
  pleg: Receiver<PodLifecycleEvent>;
  /** Every change of a cached probe result. */
  probes: Receiver<ProbeUpdate>;
}

export type SyncLoopInput =
  | { kind: 'config'; changes: PodChange[] }
  | { kind: 'pleg'; event: PodLifecycleEvent }
  | { kind: 'probe'; update: ProbeUpdate }
  | { kind: 'sync' }
  | { kind: 'housekeeping' };

export interface SyncLoopDeps {
  inputs: SyncLoopInputs;
  pods: Pick<PodManager, 'set' | 'remove' | 'byFullName' | 'get'>;
  workers: Pick<PodWorkers, 'update' | 'resync' | 'busy'>;
  status: Pick<StatusManager, 'setContainerReadiness'>;
  /** Kubelet admission; without it every pod is admitted. */
  admission?: Pick<PodAdmission, 'admit' | 'isRejected' | 'forget'>;
  /** Where the pod workers put synced pods back; the sync tick takes the due ones. */
  resyncQueue: Pick<WorkQueue, 'getWork'>;
  /** One housekeeping pass (upstream's HandlePodCleanups). */
  housekeeping: (signal: AbortSignal) => Promise<void>;
  clock: Clock;
  log: Logger;
  /** --sync-frequency, of which the health threshold is twice (at least 5 minutes). */
  syncFrequencyMs: number;
  syncPeriodMs?: number;
  housekeepingPeriodMs?: number;
}

/** Upstream's tickers: pods due for a resync are looked for every second, housekeeping every two. */
export const SYNC_PERIOD_MS = 1_000;
export const HOUSEKEEPING_PERIOD_MS = 2_000;
/** Upstream logs a housekeeping pass slower than this. */
const housekeepingWarningMs = 1_000;

/** How long the loop, or work it handed out, may go without progress: max(2 × sync-frequency, 5 m), as upstream. */
export function syncLoopThresholdMs(syncFrequencyMs: number): number {
  return Math.max(2 * syncFrequencyMs, 5 * 60_000);
}

/** The reason a finished wait gives its losing waits (none of them reads it). */
const waitOver = 'wait over';

const podName = (pod: Pod) => `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;

export class SyncLoop {
  private lastIteration: Date | undefined;
  private housekeeping: { since: Date; done: Promise<void> } | undefined;
  private nextSyncAt = 0;
  private nextHousekeepingAt = 0;

  constructor(private readonly d: SyncLoopDeps) {}

  /** Runs until the signal aborts, then waits for a housekeeping pass in flight. */
  async run(signal: AbortSignal): Promise<void> {
    this.d.log.info('Starting kubelet main sync loop');
    const now = this.d.clock.now().getTime();
    this.nextSyncAt = now + (this.d.syncPeriodMs ?? SYNC_PERIOD_MS);
    this.nextHousekeepingAt = now + (this.d.housekeepingPeriodMs ?? HOUSEKEEPING_PERIOD_MS);
    while (await this.iteration(signal));
    await this.housekeeping?.done;
  }

  /** Waits for the next input and dispatches it; false once the signal has aborted. */
  async iteration(signal: AbortSignal): Promise<boolean> {
    this.lastIteration = this.d.clock.now();
    const input = await this.next(signal);
    if (!input) return false;
    this.handle(input, signal);
    this.lastIteration = this.d.clock.now();
    return true;
  }

  /** The `syncloop` check: failing when the loop, a pod worker or housekeeping makes no progress. */
  healthCheck(): HealthCheck {
    return syncLoopCheck(() => this.lastIteration, () => this.d.clock.now(), syncLoopThresholdMs(this.d.syncFrequencyMs), () => this.inFlight());
  }

  private inFlight(): InFlightWork[] {
    const out: InFlightWork[] = this.d.workers.busy().map((w) => ({
      what: `pod worker for "${podName(w.pod)}" (${w.operation})`,
      since: w.since,
      allowanceMs: (w.gracePeriodSeconds ?? 0) * 1000,
    }));
    if (this.housekeeping) out.unshift({ what: 'housekeeping', since: this.housekeeping.since });
    return out;
  }

  private handle(input: SyncLoopInput, signal: AbortSignal): void {
    switch (input.kind) {
      case 'config':
        for (const c of input.changes) this.d.log.v(2).info(`SyncLoop ${c.op}`, { source: c.source, pods: c.pods.map(podName).join(',') });
        return this.apply(configDispatch(input.changes, (ns, name) => this.d.pods.byFullName(ns, name)?.metadata.uid));
      case 'pleg':
        return this.apply(plegDispatch(input.event));
      case 'probe':
        return this.apply(probeDispatch(input.update));
      case 'sync':
        return this.apply(resyncDispatch(this.d.resyncQueue.getWork()));
      case 'housekeeping':
        return this.startHousekeeping(signal);
    }
  }

  private apply(steps: Dispatch[]): void {
    for (const s of steps) {
      switch (s.kind) {
        case 'setPod': this.d.pods.set(s.pod); break;
        case 'removePod':
          this.d.pods.remove(s.pod);
          this.d.admission?.forget(s.pod.metadata.uid!);
          break;
        case 'admitPod':
          if (!this.d.admission || this.d.admission.admit(s.update.pod)) this.d.workers.update(s.update);
          break;
        case 'updatePod':
          // A refused pod never starts; its deletion or removal still goes through a worker.
          if (s.update.terminate || s.update.removed || !this.d.admission?.isRejected(s.update.pod.metadata.uid!)) this.d.workers.update(s.update);
          break;
        // As upstream's HandlePodSyncs, with the pod manager's pod: its status may be newer (a gate condition).
        case 'syncPod': this.d.workers.resync(s.uid, this.d.pods.get(s.uid)); break;
        case 'setReadiness': this.d.status.setContainerReadiness(s.podUid, s.containerId, s.ready); break;
      }
    }
  }

  /** Housekeeping runs beside the loop; a tick while a pass is still running is skipped. */
  private startHousekeeping(signal: AbortSignal): void {
    if (this.housekeeping) return;
    const { clock, log } = this.d;
    const since = clock.now();
    const done = this.d.housekeeping(signal)
      .catch((e) => log.error('Housekeeping failed', e))
      .finally(() => {
        this.housekeeping = undefined;
        const took = clock.now().getTime() - since.getTime();
        if (took > housekeepingWarningMs) log.warn('Housekeeping took longer than expected', { expected: '1s', actualMs: took });
      });
    this.housekeeping = { since, done };
  }

  private async next(signal: AbortSignal): Promise<SyncLoopInput | undefined> {
    while (!signal.aborted) {
      const input = this.poll();
      if (input) return input;
      await this.wait(signal);
    }
    return undefined;
  }

  /**
   * The first input ready: pod changes first (so that housekeeping never sees a source as seen
   * before its pods are known), then PLEG events, probe results, and the due ticks.
   */
  private poll(): SyncLoopInput | undefined {
    const { config, pleg, probes } = this.d.inputs;
    const changes = config.tryReceive();
    if (changes) return { kind: 'config', changes };
    const event = pleg.tryReceive();
    if (event) return { kind: 'pleg', event };
    const update = probes.tryReceive();
    if (update) return { kind: 'probe', update };
    const now = this.d.clock.now().getTime();
    if (now >= this.nextSyncAt) {
      this.nextSyncAt = now + (this.d.syncPeriodMs ?? SYNC_PERIOD_MS);
      return { kind: 'sync' };
    }
    if (now >= this.nextHousekeepingAt) {
      this.nextHousekeepingAt = now + (this.d.housekeepingPeriodMs ?? HOUSEKEEPING_PERIOD_MS);
      return { kind: 'housekeeping' };
    }
    return undefined;
  }

  /** Until an input is ready, the next tick is due, or the signal aborts. */
  private async wait(signal: AbortSignal): Promise<void> {
    const { config, pleg, probes } = this.d.inputs;
    const wake = new AbortController();
    const stop = () => wake.abort();
    signal.addEventListener('abort', stop, { once: true });
    const untilTick = Math.min(this.nextSyncAt, this.nextHousekeepingAt) - this.d.clock.now().getTime();
    try {
      await Promise.race([config.ready(wake.signal), pleg.ready(wake.signal), probes.ready(wake.signal), this.d.clock.sleep(untilTick, wake.signal)]);
    } finally {
      signal.removeEventListener('abort', stop);
      // Lets go of the waits that lost. With a reason given, abort() skips making a DOMException
      // and its stack trace, a quarter of the time of an idle wake-up.
      wake.abort(waitOver);
    }
  }
}
