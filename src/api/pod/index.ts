// The rules of a core/v1 Pod that the API server and the kubelet share: defaulting,
// validation, QoS class, what kind of pod or container it is, and the active deadline.
export { applyPodDefaults } from './defaults.ts';
export { validatePod, validatePodSpec } from './validation.ts';
export { podQOSClass } from './qos.ts';
export { ConfigMirrorAnnotation, ConfigSourceAnnotation, isMirrorPod, isRestartableInitContainer, isStaticPod } from './predicates.ts';
export { deadlineExceededMessage, deadlineExceededReason, pastActiveDeadline } from './deadline.ts';
