// The kubelet's own Prometheus metrics (/metrics): upstream's kubelet_* names, one registry per kubelet.
export { KubeletMetrics, CONTAINER_STATES, type ContainerType, type KubeletMetricsOptions, type PodSyncObservation, type RuntimePodCounts } from './metrics.ts';
export { instrumentCri, containerTypeIn, CRI_OPERATIONS, type InstrumentCriOptions } from './cri.ts';
export { instrumentRelist } from './relist.ts';
export { DEF_BUCKETS, POD_STARTUP_BUCKETS, RUNTIME_OPERATION_BUCKETS } from './definitions.ts';
