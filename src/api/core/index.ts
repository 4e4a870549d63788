// core/v1 types as plain JSON, one family for the API server, the controllers and the kubelet
// (with the other groups the control plane stores: coordination.k8s.io Lease,
// discovery.k8s.io EndpointSlice and policy PodDisruptionBudget).
export type * from './pod.ts';
export type * from './node.ts';
export type * from './common.ts';
export type * from './namespace.ts';
export type * from './service.ts';
export type * from './endpoints.ts';
export type * from './discovery.ts';
export type * from './configmap.ts';
export type * from './secret.ts';
export type * from './serviceaccount.ts';
export type * from './event.ts';
export type * from './binding.ts';
export type * from './lease.ts';
export type * from './policy.ts';
