// The vocabulary shared by the pod sources and their merge, as upstream's pkg/kubelet/types:
// where a pod came from, how a source reports, and the annotations that record it.
import type { KubeObject } from '../../api/object.ts';

/** The three places a kubelet learns about pods (upstream's FileSource, HTTPSource, ApiserverSource). */
export type PodSource = 'file' | 'http' | 'api';

/** A source always reports its whole current set ('SET'): the merge works out what changed. */
export interface PodUpdate {
  op: 'SET';
  source: PodSource;
  pods: KubeObject[];
}

export type UpdateHandler = (update: PodUpdate) => void;
/** A source's failure, reported apart from its pods so the caller can log it and emit an event. */
export type SourceErrorHandler = (source: PodSource, message: string) => void;

export const ConfigSourceAnnotation = 'kubernetes.io/config.source';
export const ConfigHashAnnotation = 'kubernetes.io/config.hash';
export const ConfigFirstSeenAnnotation = 'kubernetes.io/config.seen';
export const ConfigMirrorAnnotation = 'kubernetes.io/config.mirror';

/** Where a pod came from, by the annotation the merge stamps on it ('api' when unmarked). */
export function podSource(pod: KubeObject): PodSource {
  const s = pod.metadata?.annotations?.[ConfigSourceAnnotation];
  return s === 'file' || s === 'http' ? s : 'api';
}

/** A static pod is one that did not come from the API server. */
export function isStaticPod(pod: KubeObject): boolean {
  const s = pod.metadata?.annotations?.[ConfigSourceAnnotation];
  return s !== undefined && s !== 'api';
}

/** A mirror pod is the API server's stand-in for a static pod. */
export function isMirrorPod(pod: KubeObject): boolean {
  return pod.metadata?.annotations?.[ConfigMirrorAnnotation] !== undefined;
}

/** "name_namespace", upstream's kubecontainer.GetPodFullName. */
export function podFullName(pod: KubeObject): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}`;
}
