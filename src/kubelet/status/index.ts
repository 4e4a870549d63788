// Pod status: generating the API PodStatus from the runtime's view, and the manager that sends it.
export { generateApiPodStatus, sortPodIPs, type GenerateOptions } from './generate.ts';
export type { WaitingReason } from './container_statuses.ts';
export { StatusManager, canBeDeleted, type PodStatusClient, type MirrorPodRef, type StatusManagerOptions } from './manager.ts';
export { podStatusPatch } from './patch.ts';
export { terminatedPodStatus, mergePodStatus, illegalTransition } from './transitions.ts';
export { podPhase } from './phase.ts';
export { needToReconcilePodReadiness } from './conditions.ts';
export { isTerminalPhase } from './types.ts';
