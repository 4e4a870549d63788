// The prober manager (upstream's prober.Manager): one worker per container probe, the cached
// results by container ID for status generation and the runtime sync, and a change callback so
// the kubelet reacts at once (readiness to the API, liveness failures to a pod sync).
import type { Clock } from '../clock.ts';
import type { RuntimePodStatus } from '../container/types.ts';
import type { PodEventRecorder } from '../kuberuntime/deps.ts';
import type { ExecRunner } from './exec.ts';
import { ProbeMetrics } from './metrics.ts';
import { defaultHandlers, Prober, type ProbeHandlers } from './prober.ts';
import { ResultsManager, type ResultUpdate } from './results.ts';
import type { Container, Pod } from '../../api/core/index.ts';
import { isRestartableInitContainer } from '../../api/pod/index.ts';
import { probeOf, probeTypes, type ProbeType } from './types.ts';
import { ProbeWorker, type ProbePodStatus } from './worker.ts';

export interface ProbeUpdate extends ResultUpdate { probeType: ProbeType }

export interface ProbeManagerOptions {
  /** ExecSync for exec probes (the CriClient). */
  runtime: ExecRunner;
  recorder: PodEventRecorder;
  clock: Clock;
  /** The pod's current API status (the status manager's cache): container IDs, start times, pod IP. */
  podStatus: (podUid: string) => ProbePodStatus | undefined;
  /** Every change of a cached result. */
  onChange?: (update: ProbeUpdate) => void;
  /** Stops every worker. */
  signal: AbortSignal;
  /** Replaces the real handlers (tests). */
  handlers?: ProbeHandlers;
  random?: () => number;
}

const key = (uid: string, name: string, type: ProbeType) => `${uid}/${name}/${type}`;

export class ProbeManager {
  readonly metrics = new ProbeMetrics();
  private readonly results: Record<ProbeType, ResultsManager>;
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly startedAt: number;
  private readonly prober: Prober;

  constructor(private readonly o: ProbeManagerOptions) {
    this.startedAt = o.clock.now().getTime();
    this.prober = new Prober({ handlers: o.handlers ?? defaultHandlers(o.runtime), clock: o.clock, recorder: o.recorder });
    const emit = (probeType: ProbeType) => (u: ResultUpdate) => o.onChange?.({ ...u, probeType });
    this.results = { Liveness: new ResultsManager(emit('Liveness')), Readiness: new ResultsManager(emit('Readiness')), Startup: new ResultsManager(emit('Startup')) };
  }

  /**
   * Starts workers for the pod's probes (containers and sidecar init containers); call on every
   * pod sync: it is idempotent and hands existing workers the newest pod object.
   */
  addPod(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    if (this.o.signal.aborted || !uid) return;
    const sidecars = (pod.spec?.initContainers ?? []).filter(isRestartableInitContainer);
    for (const c of [...sidecars, ...(pod.spec?.containers ?? [])]) {
      for (const type of probeTypes) {
        const spec = probeOf(c, type);
        if (!spec) continue;
        const k = key(uid, c.name, type);
        const existing = this.workers.get(k);
        if (existing) { existing.updatePod(pod); continue; }
        // Liveness and startup end for good once the pod is deleted.
        if (pod.metadata.deletionTimestamp && type !== 'Readiness') continue;
        this.workers.set(k, this.newWorker(type, pod, c, k));
      }
    }
  }

  private newWorker(type: ProbeType, pod: Pod, c: Container, k: string): ProbeWorker {
    const { clock } = this.o;
    let worker: ProbeWorker | undefined;
    worker = new ProbeWorker(type, pod, c, probeOf(c, type)!, {
      clock,
      random: this.o.random ?? Math.random,
      startedAt: this.startedAt,
      podStatus: this.o.podStatus,
      results: this.results[type],
      isStarted: (container, id) => !container.startupProbe || this.results.Startup.get(id) === 'success',
      probe: (t, spec, target, timeout, signal) => this.prober.probe(t, spec, target, timeout, signal),
      metrics: this.metrics,
      onStop: () => { if (!worker || this.workers.get(k) === worker) this.workers.delete(k); },
    }, this.o.signal);
    return worker;
  }

  /** Graceful termination: liveness and startup stop (counted as success); readiness goes on. */
  stopLivenessAndStartup(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    for (const w of this.workers.values()) {
      if (w.podUid !== uid || w.type === 'Readiness') continue;
      if (w.currentContainerId) this.results[w.type].set(w.currentContainerId, 'success', uid);
      w.stop();
    }
  }

  /** The pod is gone: stop its workers (their results go with them). */
  removePod(podUid: string): void {
    for (const w of this.workers.values()) if (w.podUid === podUid) w.stop();
  }

  /** Stops the workers of every pod not in `desired` (housekeeping). */
  cleanupPods(desired: ReadonlySet<string>): void {
    for (const w of this.workers.values()) if (!desired.has(w.podUid)) w.stop();
  }

  /**
   * A pod's status was regenerated: readiness workers whose container is not ready yet probe now
   * rather than at their next tick (upstream does this from UpdatePodStatus).
   */
  updatePodStatus(podUid: string): void {
    for (const w of this.workers.values()) {
      if (w.podUid !== podUid || w.type !== 'Readiness') continue;
      if (!w.currentContainerId || this.results.Readiness.get(w.currentContainerId) !== 'success') w.trigger();
    }
  }

  /** For status generation (GenerateOptions.readiness): undefined when no readiness probe has a verdict. */
  readiness(containerId: string): boolean | undefined {
    const r = this.results.Readiness.get(containerId);
    return r === undefined ? undefined : r === 'success';
  }

  /** For status generation (GenerateOptions.startup). */
  startup(containerId: string): boolean | undefined {
    const r = this.results.Startup.get(containerId);
    return r === undefined ? undefined : r === 'success';
  }

  livenessFailed(containerId: string): boolean { return this.results.Liveness.get(containerId) === 'failure'; }
  startupFailed(containerId: string): boolean { return this.results.Startup.get(containerId) === 'failure'; }

  /**
   * The runtime sync's view (SyncOptions), by container name, against the containers the runtime
   * reports now: a verdict about an older instance never kills a newer one.
   */
  syncOptions(pod: Pod, runtime: RuntimePodStatus): {
    livenessFailed: (name: string) => boolean; startupFailed: (name: string) => boolean; isStarted: (name: string) => boolean;
  } {
    const idOf = (name: string) => {
      const c = runtime.containers.find((x) => x.name === name && x.state === 'running');
      return c ? `${c.id.type}://${c.id.id}` : undefined;
    };
    const spec = (name: string) => [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name);
    return {
      livenessFailed: (name) => { const id = idOf(name); return !!id && this.livenessFailed(id); },
      startupFailed: (name) => { const id = idOf(name); return !!id && this.startupFailed(id); },
      isStarted: (name) => {
        const id = idOf(name);
        if (!id) return false;
        return !spec(name)?.startupProbe || this.results.Startup.get(id) === 'success';
      },
    };
  }

  /** The Prometheus text of /metrics/probes. */
  renderMetrics(): string { return this.metrics.render(); }

  /** How many workers run (tests, leak checks). */
  get workerCount(): number { return this.workers.size; }

  /** Resolves when every current worker has ended (after stop / abort). */
  async drained(): Promise<void> { await Promise.all([...this.workers.values()].map((w) => w.done)); }
}

/** The grace period for a kill after a failed liveness/startup probe: the probe's own, if set. */
export function probeTerminationGracePeriod(container: Container, type: 'Liveness' | 'Startup', podGrace: number | undefined): number | undefined {
  const p = type === 'Liveness' ? container.livenessProbe : container.startupProbe;
  return p?.terminationGracePeriodSeconds ?? podGrace;
}
