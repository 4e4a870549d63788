// The sync loop's public face: the loop over the kubelet's inputs, what it does with each (pure),
// the resync queue the pod workers feed, and housekeeping.
export { SyncLoop, syncLoopThresholdMs, SYNC_PERIOD_MS, HOUSEKEEPING_PERIOD_MS, type SyncLoopDeps, type SyncLoopInputs, type SyncLoopInput, type Receiver } from './loop.ts';
export { configDispatch, plegDispatch, probeDispatch, resyncDispatch, type Dispatch, type StaticPodLookup } from './dispatch.ts';
export { WorkQueue } from './workqueue.ts';
export { Housekeeping, type HousekeepingDeps } from './housekeeping.ts';
