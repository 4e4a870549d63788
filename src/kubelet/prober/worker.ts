// One probe of one container (upstream's prober worker): a loop on the probe's period that reads
// the container's current state, decides whether to probe, and turns runs of results into the
// cached verdict once a threshold is met.
import { realClock, type Clock } from '../clock.ts';
import type { ProbeMetrics, ProbeSeriesMetrics } from './metrics.ts';
import type { ResultsManager } from './results.ts';
import type { Container, ContainerState, ContainerStatus, Pod, PodStatus, Probe } from '../../api/core/index.ts';
import { probeTiming, type HandlerResult, type ProbeResult, type ProbeType, type ResolvedTiming } from './types.ts';
import type { ProbeTarget } from './prober.ts';

/** The slice of the API pod status the worker reads (the status manager's cached status). */
export type ProbeContainerStatus = Pick<ContainerStatus, 'name' | 'containerID'> & { state?: ContainerState };
export type ProbePodStatus = Pick<PodStatus, 'phase' | 'podIP'> & {
  containerStatuses?: ProbeContainerStatus[];
  initContainerStatuses?: ProbeContainerStatus[];
};

export interface WorkerDeps {
  clock: Clock;
  random: () => number;
  /** When the kubelet (the manager) started: the first probe is jittered only shortly after it. */
  startedAt: number;
  podStatus: (podUid: string) => ProbePodStatus | undefined;
  results: ResultsManager;
  /** Whether the container passed its startup probe (true when it has none). */
  isStarted: (container: Container, containerId: string) => boolean;
  probe: (type: ProbeType, spec: Probe, target: ProbeTarget, timeoutSeconds: number, signal: AbortSignal) => Promise<HandlerResult>;
  metrics: ProbeMetrics;
  onStop: () => void;
}

/**
 * Every tick after a worker's first falls on a 100 ms grid of the wall clock. Workers stay spread
 * over their period (the start jitter, pods starting at different times), but probes due within
 * the same 100 ms share one event-loop wake-up and one batch of socket events: with 220 probes a
 * second spread evenly, the wake-ups cost about as much CPU as the probes themselves. Two ticks
 * stay exactly periodSeconds apart; a tick comes at most 100 ms after an ungridded one would.
 */
export const tickGridMs = 100;
const onTickGrid = (t: number) => Math.ceil(t / tickGridMs) * tickGridMs;

/** The value a new container's result starts at, as upstream. */
export const initialResult: Record<ProbeType, ProbeResult> = { Liveness: 'success', Readiness: 'failure', Startup: 'unknown' };

export class ProbeWorker {
  readonly timing: ResolvedTiming;
  private pod: Pod;
  private containerId = '';
  private onHold = false;
  private lastResult: ProbeResult = 'unknown';
  private resultRun = 0;
  private readonly stopCtl = new AbortController();
  /** The manager's (long-lived) signal and the listener on it, taken off when the worker ends. */
  private readonly parent: AbortSignal;
  private readonly onParentAbort = () => this.stop();
  /** Ends the current wait early (set while waiting). */
  private wake: (() => void) | undefined;
  private triggered = false;
  private series: ProbeSeriesMetrics | undefined;
  /** running.startedAt as last parsed (it changes only with the container). */
  private startedAtText: string | undefined;
  private startedAtMs = 0;
  readonly done: Promise<void>;

  constructor(
    readonly type: ProbeType,
    pod: Pod,
    readonly container: Container,
    readonly spec: Probe,
    private readonly d: WorkerDeps,
    parent: AbortSignal,
  ) {
    this.pod = pod;
    this.timing = probeTiming(spec);
    this.parent = parent;
    if (parent.aborted) this.stopCtl.abort();
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.done = this.run();
  }

  get podUid(): string { return this.pod.metadata.uid ?? ''; }
  get currentContainerId(): string { return this.containerId; }

  /** The newest pod object (a deletionTimestamp shows up here). */
  updatePod(pod: Pod): void { this.pod = pod; }

  /** Ends the worker; an in-flight probe is cancelled. */
  stop(): void { this.stopCtl.abort(); this.wake?.(); }

  /** Probes now instead of at the next tick (upstream's manual trigger); the period restarts. */
  trigger(): void { this.triggered = true; this.wake?.(); }

  /** The worker's metric series, opened at its first probe and dropped when it ends. */
  private metrics(): ProbeSeriesMetrics {
    if (this.series) return this.series;
    const m = this.pod.metadata;
    return (this.series = this.d.metrics.open({ probeType: this.type, container: this.container.name, pod: m.name ?? '', namespace: m.namespace || 'default', podUid: m.uid ?? '' }));
  }

  private async run(): Promise<void> {
    const { clock } = this.d;
    const signal = this.stopCtl.signal;
    const periodMs = this.timing.periodSeconds * 1000;
    try {
      // Right after a kubelet start every worker begins at once: spread the first probes out.
      if (periodMs > clock.now().getTime() - this.d.startedAt) await this.wait(this.d.random() * periodMs);
      let next = onTickGrid(clock.now().getTime() + periodMs);
      while (!signal.aborted && (await this.doProbe(signal))) {
        if (signal.aborted) break;
        const now = clock.now().getTime();
        while (next <= now) next += periodMs; // a slow probe skips ticks rather than bunching them
        await this.wait(next - now);
        if (this.triggered) {
          this.triggered = false;
          next = onTickGrid(clock.now().getTime() + periodMs);
        }
      }
    } finally {
      this.parent.removeEventListener('abort', this.onParentAbort);
      if (this.containerId) this.d.results.remove(this.containerId);
      if (this.series) this.d.metrics.forget(this.series);
      this.d.onStop();
    }
  }

  private wait(ms: number): Promise<void> {
    if (this.stopCtl.signal.aborted || this.triggered) return Promise.resolve();
    if (this.d.clock === realClock) {
      // The real clock: one timer and one closure a tick (no AbortController, no listeners).
      return new Promise((resolve) => {
        const done = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
        const timer = setTimeout(done, Math.max(0, ms));
        this.wake = done;
      });
    }
    const ctl = new AbortController();
    this.wake = () => ctl.abort();
    return this.d.clock.sleep(ms, ctl.signal).then(() => { this.wake = undefined; });
  }

  /** One tick; false ends the worker. */
  private async doProbe(signal: AbortSignal): Promise<boolean> {
    const { results, clock } = this.d;
    const uid = this.podUid;
    const status = this.d.podStatus(uid);
    if (!status) return true; // not synced yet, or already gone
    if (status.phase === 'Failed' || status.phase === 'Succeeded') return false;
    const c = findStatus(status.containerStatuses, this.container.name) ?? findStatus(status.initContainerStatuses, this.container.name);
    if (!c) return true; // no container yet
    if (c.containerID !== this.containerId) {
      // A new container: forget the old one's verdict and start over.
      if (this.containerId) results.remove(this.containerId);
      this.containerId = c.containerID!;
      results.set(this.containerId, initialResult[this.type], uid);
      this.onHold = false;
      this.resultRun = 0;
      this.lastResult = 'unknown';
    }
    if (this.onHold) return true;
    const running = c.state?.running;
    if (!running) {
      results.set(this.containerId, 'failure', uid);
      // Keep waiting for a restart, unless none will come.
      return !c.state?.terminated || (this.pod.spec?.restartPolicy ?? 'Always') !== 'Never';
    }
    if (this.pod.metadata.deletionTimestamp && this.type !== 'Readiness') {
      // Graceful shutdown: liveness and startup stop, counted as success; readiness goes on.
      results.set(this.containerId, 'success', uid);
      return false;
    }
    if (running.startedAt !== this.startedAtText) {
      this.startedAtText = running.startedAt;
      this.startedAtMs = running.startedAt ? Date.parse(running.startedAt) : 0;
    }
    const startedAt = this.startedAtMs;
    if (Math.floor((clock.now().getTime() - startedAt) / 1000) < this.timing.initialDelaySeconds) return true;
    const started = this.d.isStarted(this.container, this.containerId);
    if (this.type === 'Startup' ? started : !started) return true; // startup runs until started; the others after

    const t0 = clock.now().getTime();
    const target = { pod: this.pod, container: this.container, containerId: this.containerId, podIP: status.podIP ?? '' };
    const r = await this.d.probe(this.type, this.spec, target, this.timing.timeoutSeconds, signal);
    if (signal.aborted) return false;
    const seconds = (clock.now().getTime() - t0) / 1000;
    if (r.result === 'unknown') {
      // A probe that could not run says nothing about the container: throw it away.
      this.metrics().observe('unknown', seconds);
      return true;
    }
    const result: ProbeResult = r.result === 'failure' ? 'failure' : 'success';
    this.metrics().observe(result === 'success' ? 'successful' : 'failed', seconds);
    if (this.lastResult === result) this.resultRun++;
    else { this.lastResult = result; this.resultRun = 1; }
    const threshold = result === 'failure' ? this.timing.failureThreshold : this.timing.successThreshold;
    if (this.resultRun < threshold) return true; // not enough in a row: the verdict stands
    results.set(this.containerId, result, uid);
    if (this.type !== 'Readiness' && result === 'failure') {
      // The container will be killed: hold off until a new one shows up.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }
}

function findStatus(list: ProbeContainerStatus[] | undefined, name: string): ProbeContainerStatus | undefined {
  const s = list?.find((x) => x.name === name);
  return s?.containerID ? s : undefined;
}
