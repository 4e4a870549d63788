// KubeletMetrics: the registry behind the kubelet's own /metrics and the observe* methods the
// kubelet's parts call through their hooks (instrumentCri, the PLEG's onRelist, the pod workers'
// onSync, the node status manager's hooks). One instance per kubelet; nothing is global.
import { uptime } from 'node:os';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { NodeStatusHooks } from '../nodestatus/manager.ts';
import { defineKubeletMetrics, type KubeletMetricSet } from './definitions.ts';
import { NodeStartupTracker, type NodeStartupDurations } from './node_startup.ts';
import { PodStartTracker, type PodStartPod, type PodStartStatus } from './pod_start.ts';

export type ContainerType = 'container' | 'init_container' | 'ephemeral_container';
export const CONTAINER_STATES = ['created', 'running', 'exited', 'unknown'] as const;

/** What the PLEG's relist saw of one pod: enough to count running pods and containers. */
export interface RuntimePodCounts {
  sandboxes: { state: 'ready' | 'notready' }[];
  containers: { state: (typeof CONTAINER_STATES)[number] }[];
}

/** A finished pod worker sync (PodWorkers' PodSyncEvent fits). */
export interface PodSyncObservation {
  uid: string;
  pod: PodStartPod;
  operation: string;
  durationMs: number;
}

export interface KubeletMetricsOptions {
  nodeName: string;
  /** Wall clock for pod start and node start-up times; real by default. */
  clock?: Pick<Clock, 'now'>;
  /** When the kubelet process started (default: now). */
  kubeletStartTime?: Date;
  /** When the machine booted (default: from os.uptime()); null when unknown. */
  bootTime?: Date | null;
  /** The kubelet process's own process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
}

/**
 * prom-client's default metrics that promtool rejects: gauges named *_total ("non-counter
 * metrics should not have _total suffix"). Their per-type siblings (nodejs_active_handles, ...)
 * stay; these sums add nothing a query cannot compute, so the kubelet does not expose them.
 */
const lintFailingDefaults = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class KubeletMetrics {
  readonly registry = new Registry();
  readonly contentType: string = this.registry.contentType;
  private readonly m: KubeletMetricSet;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly podStarts = new PodStartTracker();
  private readonly nodeStartup: NodeStartupTracker;

  constructor(o: KubeletMetricsOptions) {
    this.clock = o.clock ?? realClock;
    this.m = defineKubeletMetrics(this.registry);
    this.m.nodeName.set({ node: o.nodeName }, 1);
    for (const state of CONTAINER_STATES) this.m.runningContainers.set({ container_state: state }, 0);
    const startMs = (o.kubeletStartTime ?? this.clock.now()).getTime();
    const boot = o.bootTime === undefined ? new Date(Date.now() - uptime() * 1000) : o.bootTime;
    this.nodeStartup = new NodeStartupTracker(startMs, boot?.getTime());
    if (o.processMetrics ?? true) {
      // The event-loop lag sampler wakes the loop every `precision` ms: at prom-client's 10 ms
      // default it alone cost an idle kubelet ~0.008 cores; 100 ms costs a tenth of that.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
      for (const name of lintFailingDefaults) this.registry.removeSingleMetric(name);
    }
  }

  /** The Prometheus text exposition of every metric (serve with `contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** An image the image garbage collector removed, for its age or for space. */
  observeImageGarbageCollected(reason: 'age' | 'space'): void {
    this.m.imageGarbageCollected.inc({ reason });
  }

  // ---- runtime (fed by instrumentCri) ---------------------------------------------------

  /** One CRI call: operation_type is upstream's snake_case name (run_podsandbox, list_containers, ...). */
  observeRuntimeOperation(operation: string, durationMs: number, failed: boolean): void {
    this.m.runtimeOperations.inc({ operation_type: operation });
    this.m.runtimeOperationsDuration.observe({ operation_type: operation }, durationMs / 1000);
    if (failed) this.m.runtimeOperationsErrors.inc({ operation_type: operation });
  }

  /** A RunPodSandbox call: a pod (sandbox) start attempt. */
  observeRunPodSandbox(runtimeHandler: string, durationMs: number, failed: boolean): void {
    this.m.startedPods.inc();
    this.m.runPodSandboxDuration.observe({ runtime_handler: runtimeHandler }, durationMs / 1000);
    if (failed) {
      this.m.startedPodsErrors.inc();
      this.m.runPodSandboxErrors.inc({ runtime_handler: runtimeHandler });
    }
  }

  /** A container start attempt (CreateContainer), as upstream counts it before creating. */
  observeContainerStart(containerType: ContainerType): void {
    this.m.startedContainers.inc({ container_type: containerType });
  }

  /** A failed container start; code is the kubelet's reason (CreateContainerError, RunContainerError, ...). */
  observeContainerStartError(containerType: ContainerType, code: string): void {
    this.m.startedContainersErrors.inc({ container_type: containerType, code });
  }

  /** An image pull for a pod (wall clock ms), taken out of the pod start SLI. */
  observeImagePull(podUid: string, startMs: number, endMs: number): void {
    this.podStarts.recordPull(podUid, startMs, endMs);
  }

  // ---- PLEG -------------------------------------------------------------------------------

  /** GenericPLEG's onRelist. */
  readonly observeRelist = (durationMs: number, intervalMs?: number, succeeded = true): void => {
    this.m.plegRelistDuration.observe(durationMs / 1000);
    if (intervalMs !== undefined) this.m.plegRelistInterval.observe(intervalMs / 1000);
    if (succeeded) this.m.plegLastSeen.set(this.clock.now().getTime() / 1000);
  };

  /** Every pod the runtime has (a relist's result): sets kubelet_running_pods and _containers. */
  observeRuntimePods(pods: Iterable<RuntimePodCounts>): void {
    let running = 0;
    const byState: Record<string, number> = Object.fromEntries(CONTAINER_STATES.map((s) => [s, 0]));
    for (const pod of pods) {
      if (pod.sandboxes.some((s) => s.state === 'ready')) running++;
      for (const c of pod.containers) byState[c.state] = (byState[c.state] ?? 0) + 1;
    }
    this.m.runningPods.set(running);
    for (const [state, n] of Object.entries(byState)) this.m.runningContainers.set({ container_state: state }, n);
  }

  // ---- pod workers --------------------------------------------------------------------------

  /**
   * PodWorkers' onSync, with the status the kubelet now holds for the pod (the status manager's
   * peekPodStatus): worker duration by operation, and pod start latencies once it runs.
   */
  observePodSync(e: PodSyncObservation, status: PodStartStatus | undefined): void {
    this.m.podWorkerDuration.observe({ operation_type: e.operation }, e.durationMs / 1000);
    if (e.operation === 'kill') {
      this.podStarts.forget(e.uid);
      return;
    }
    const o = this.podStarts.podSynced(e.pod, status, this.clock.now().getTime());
    if (o.startSeconds !== undefined) this.m.podStartDuration.observe(o.startSeconds);
    if (o.sli) {
      const labels = { first_with_network: String(o.sli.firstWithNetwork) };
      this.m.podStartSliDuration.observe(labels, o.sli.sliSeconds);
      this.m.podStartTotalDuration.observe(labels, o.sli.totalSeconds);
    }
  }

  // ---- node status --------------------------------------------------------------------------

  /** The hooks to give NodeStatusManager. */
  nodeStatusHooks(): NodeStatusHooks {
    const now = () => this.clock.now().getTime();
    return {
      registrationAttempt: () => this.nodeStartup.registrationAttempt(now()),
      registered: () => this.setNodeStartup(this.nodeStartup.registeredNode(now())),
      statusUpdate: (result, ready) => {
        this.m.nodeStatusUpdates.inc({ result });
        if (result !== 'error' && ready) this.setNodeStartup(this.nodeStartup.nodeReady(now()));
      },
    };
  }

  private setNodeStartup(d: NodeStartupDurations | undefined): void {
    if (!d) return;
    if (d.preKubeletSeconds !== undefined) this.m.nodeStartupPreKubelet.set(d.preKubeletSeconds);
    if (d.preRegistrationSeconds !== undefined) this.m.nodeStartupPreRegistration.set(d.preRegistrationSeconds);
    if (d.registrationSeconds !== undefined) this.m.nodeStartupRegistration.set(d.registrationSeconds);
    if (d.postRegistrationSeconds !== undefined) this.m.nodeStartupPostRegistration.set(d.postRegistrationSeconds);
    if (d.totalSeconds !== undefined) this.m.nodeStartup.set(d.totalSeconds);
  }
}
