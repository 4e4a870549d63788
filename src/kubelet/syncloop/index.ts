// The sync loop's public face: the loop over the kubelet's inputs, what it does with each (pure),
// the resync queue the pod workers feed, and housekeeping.
export { SyncLoop, syncLoopThresholdMs } from './loop.ts';
export { configDispatch, plegDispatch, probeDispatch } from './dispatch.ts';
export { WorkQueue } from './workqueue.ts';
export { Housekeeping } from './housekeeping.ts';
