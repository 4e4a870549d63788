// What kind of pod or container this is, read from the object alone: static and mirror pods
// (upstream's kubetypes.IsStaticPod / IsMirrorPod) and sidecars (podutil.IsRestartableInitContainer).
import type { Container, Pod } from '../core/index.ts';

/** Where the kubelet got a pod: 'file', 'http' or 'api' (unset on pods read from the API). */
export const ConfigSourceAnnotation = 'kubernetes.io/config.source';
/** Marks the API server's stand-in for a static pod; its value is the static pod's hash. */
export const ConfigMirrorAnnotation = 'kubernetes.io/config.mirror';

/** A static pod is one the kubelet did not get from the API server (a file or a URL). */
export function isStaticPod(pod: Pick<Pod, 'metadata'>): boolean {
  const source = pod.metadata.annotations?.[ConfigSourceAnnotation];
  return source !== undefined && source !== 'api';
}

/** A mirror pod is the API server's stand-in for a static pod. */
export function isMirrorPod(pod: Pick<Pod, 'metadata'>): boolean {
  return pod.metadata.annotations?.[ConfigMirrorAnnotation] !== undefined;
}

/** A sidecar: an init container with `restartPolicy: Always`, started in order and kept running. */
export function isRestartableInitContainer(container: Pick<Container, 'restartPolicy'> | undefined): boolean {
  return container?.restartPolicy === 'Always';
}
