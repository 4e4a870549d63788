// The runtime manager's public face: decisions (computePodActions), the shells that act on
// the runtime (syncPod, killPod, removePod, garbageCollect) and the runtime's view of pods.
export { computePodActions, containerBackoffKey, sandboxChanged, type PodActions, type ContainerToStart, type ContainerToKill, type WaitingReason, type ActionOptions } from './actions.ts';
export { newContainerBackoff } from './backoff.ts';
export type { RuntimeManagerDeps, PodEventRecorder, PodRef } from './deps.ts';
export { readResolvConf, parseResolvConf } from './dns.ts';
export type { EnvConfigMap, EnvSecret, EnvSources } from './env.ts';
export { garbageCollect, DEFAULT_GC_POLICY, type GCOptions, type GCResult } from './gc.ts';
export { hashContainer } from './hash.ts';
export { killPod, killContainer, removePod } from './kill.ts';
export { podLogsDirectory, DEFAULT_POD_LOGS_ROOT } from './sandbox.ts';
export { getPodStatus, getRunningPods, runningPods, type RunningPod } from './status.ts';
export { RuntimeCache, RUNTIME_CACHE_PERIOD_MS, type RuntimeListing } from './runtimecache.ts';
export { syncPod, type SyncResult, type SyncOptions, type SyncError } from './sync.ts';
