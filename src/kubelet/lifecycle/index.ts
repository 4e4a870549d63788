// Kubelet admission (upstream's pkg/kubelet/lifecycle admit handlers).
export { byCreationTime, canAdmitPod, PodAdmission, rejectedStatus, type PodAdmissionDeps } from './admission.ts';
export { evictionAdmit, isCriticalPod, pressureConditions, systemCriticalPriority, type PressureCondition } from './eviction.ts';
export { failureVerdict, generalPredicates, nodeOS, predicateAdmit, predicateReasons, resourceFailures, type PredicateFailure } from './predicate.ts';
export type { AdmitHandler, AdmitResult } from './types.ts';
