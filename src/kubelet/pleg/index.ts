// The pod lifecycle event generator: relists the runtime, emits per-pod events, keeps the pod cache.
export { GenericPLEG, RELIST_PERIOD_MS, RELIST_THRESHOLD_MS, type GenericPLEGOptions, type PLEGStats } from './generic.ts';
export { PodCache, emptyPodStatus, type CachedPodStatus } from './cache.ts';
export { BoundedChannel } from './channel.ts';
export { computePodEvents } from './events.ts';
export { criRelist, groupRelist } from './cri_relist.ts';
export type { PodLifecycleEvent, PodLifecycleEventType, RelistPod, RelistContainer, RelistSandbox } from './types.ts';
