// core/v1 types as plain JSON, one family for the API server, the controllers and the kubelet.
export type * from './pod.ts';
export type * from './node.ts';
