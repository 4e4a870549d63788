// The kubelet's own metrics, named, labelled and bucketed as upstream's pkg/kubelet/metrics, all
// registered on one Registry per kubelet (tests run several kubelets in one process, so never the
// global default registry). Help texts carry upstream's stability prefix, as component-base prints.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus client_golang's DefBuckets. */
export const DEF_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Upstream's podStartupDurationBuckets: round numbers in everyday units, for SLOs like "within 30 s". */
export const POD_STARTUP_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** Runtime operations: 5 ms up to about 3.7 hours (upstream's ExponentialBuckets(.005, 2.5, 14)). */
export const RUNTIME_OPERATION_BUCKETS = exponentialBuckets(0.005, 2.5, 14);

const alpha = (help: string) => `[ALPHA] ${help}`;

export type KubeletMetricSet = ReturnType<typeof defineKubeletMetrics>;

export function defineKubeletMetrics(registry: Registry) {
  const registers = [registry];
  return {
    nodeName: new Gauge({ name: 'kubelet_node_name', help: alpha("The node's name. The count is always 1."), labelNames: ['node'], registers }),

    podWorkerDuration: new Histogram({
      name: 'kubelet_pod_worker_duration_seconds',
      help: alpha('Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync'),
      labelNames: ['operation_type'],
      buckets: DEF_BUCKETS,
      registers,
    }),
    podStartDuration: new Histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: alpha('Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run'),
      buckets: POD_STARTUP_BUCKETS,
      registers,
    }),
    podStartSliDuration: new Histogram({
      name: 'kubelet_pod_start_sli_duration_seconds',
      help: alpha('Duration in seconds to start a pod, excluding time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch'),
      labelNames: ['first_with_network'],
      buckets: POD_STARTUP_BUCKETS,
      registers,
    }),
    podStartTotalDuration: new Histogram({
      name: 'kubelet_pod_start_total_duration_seconds',
      help: alpha('Duration in seconds to start a pod since creation, including time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch'),
      labelNames: ['first_with_network'],
      buckets: POD_STARTUP_BUCKETS,
      registers,
    }),

    plegRelistDuration: new Histogram({ name: 'kubelet_pleg_relist_duration_seconds', help: alpha('Duration in seconds for relisting pods in PLEG.'), buckets: DEF_BUCKETS, registers }),
    plegRelistInterval: new Histogram({ name: 'kubelet_pleg_relist_interval_seconds', help: alpha('Interval in seconds between relisting in PLEG.'), buckets: DEF_BUCKETS, registers }),
    plegLastSeen: new Gauge({ name: 'kubelet_pleg_last_seen_seconds', help: alpha('Timestamp in seconds when PLEG was last seen active.'), registers }),

    imageGarbageCollected: new Counter({
      name: 'kubelet_image_garbage_collected_total',
      help: alpha('Total number of images garbage collected by the kubelet, whether through disk usage or image age.'),
      labelNames: ['reason'],
      registers,
    }),

    runtimeOperations: new Counter({ name: 'kubelet_runtime_operations_total', help: alpha('Cumulative number of runtime operations by operation type.'), labelNames: ['operation_type'], registers }),
    runtimeOperationsDuration: new Histogram({
      name: 'kubelet_runtime_operations_duration_seconds',
      help: alpha('Duration in seconds of runtime operations. Broken down by operation type.'),
      labelNames: ['operation_type'],
      buckets: RUNTIME_OPERATION_BUCKETS,
      registers,
    }),
    runtimeOperationsErrors: new Counter({ name: 'kubelet_runtime_operations_errors_total', help: alpha('Cumulative number of runtime operation errors by operation type.'), labelNames: ['operation_type'], registers }),
    runPodSandboxDuration: new Histogram({
      name: 'kubelet_run_podsandbox_duration_seconds',
      help: alpha('Duration in seconds of the run_podsandbox operations. Broken down by RuntimeClass.Handler.'),
      labelNames: ['runtime_handler'],
      buckets: DEF_BUCKETS,
      registers,
    }),
    runPodSandboxErrors: new Counter({ name: 'kubelet_run_podsandbox_errors_total', help: alpha('Cumulative number of the run_podsandbox operation errors by RuntimeClass.Handler.'), labelNames: ['runtime_handler'], registers }),

    runningPods: new Gauge({ name: 'kubelet_running_pods', help: alpha('Number of pods that have a running pod sandbox'), registers }),
    runningContainers: new Gauge({ name: 'kubelet_running_containers', help: alpha('Number of containers currently running'), labelNames: ['container_state'], registers }),
    startedPods: new Counter({ name: 'kubelet_started_pods_total', help: alpha('Cumulative number of pods started'), registers }),
    startedPodsErrors: new Counter({ name: 'kubelet_started_pods_errors_total', help: alpha('Cumulative number of errors when starting pods'), registers }),
    startedContainers: new Counter({ name: 'kubelet_started_containers_total', help: alpha('Cumulative number of containers started'), labelNames: ['container_type'], registers }),
    startedContainersErrors: new Counter({ name: 'kubelet_started_containers_errors_total', help: alpha('Cumulative number of errors when starting containers'), labelNames: ['container_type', 'code'], registers }),

    nodeStartupPreKubelet: new Gauge({ name: 'kubelet_node_startup_pre_kubelet_duration_seconds', help: alpha('Duration in seconds of node startup before kubelet starts.'), registers }),
    nodeStartupPreRegistration: new Gauge({ name: 'kubelet_node_startup_pre_registration_duration_seconds', help: alpha('Duration in seconds of node startup before registration.'), registers }),
    nodeStartupRegistration: new Gauge({ name: 'kubelet_node_startup_registration_duration_seconds', help: alpha('Duration in seconds of node startup during registration.'), registers }),
    nodeStartupPostRegistration: new Gauge({ name: 'kubelet_node_startup_post_registration_duration_seconds', help: alpha('Duration in seconds of node startup after registration.'), registers }),
    nodeStartup: new Gauge({ name: 'kubelet_node_startup_duration_seconds', help: alpha('Duration in seconds of node startup in total.'), registers }),
    // Berth's own (upstream counts node status PATCHes only in client-go's rest_client_requests_total).
    nodeStatusUpdates: new Counter({
      name: 'kubelet_node_status_updates_total',
      help: alpha('Cumulative number of node status update attempts by result: patched (sent), unchanged (nothing to send yet), or error.'),
      labelNames: ['result'],
      registers,
    }),
  };
}
