// The vocabulary shared by the pod sources and their merge, as upstream's pkg/kubelet/types:
// where a pod came from, how a source reports, and the annotations that record it.
import type { Pod } from '../../api/core/index.ts';
import { ConfigSourceAnnotation } from '../../api/pod/index.ts';

/** The three places a kubelet learns about pods (upstream's FileSource, HTTPSource, ApiserverSource). */
export type PodSource = 'file' | 'http' | 'api';

/** A source always reports its whole current set ('SET'): the merge works out what changed. */
export interface PodUpdate {
  op: 'SET';
  source: PodSource;
  pods: Pod[];
}

export type UpdateHandler = (update: PodUpdate) => void;
/** A source's failure, reported apart from its pods so the caller can log it and emit an event. */
export type SourceErrorHandler = (source: PodSource, message: string) => void;

// kubernetes.io/config.source and config.mirror are in src/api/pod: the API server reads them too.
export const ConfigHashAnnotation = 'kubernetes.io/config.hash';
export const ConfigFirstSeenAnnotation = 'kubernetes.io/config.seen';

/** Where a pod came from, by the annotation the merge stamps on it ('api' when unmarked). */
export function podSource(pod: Pod): PodSource {
  const s = pod.metadata?.annotations?.[ConfigSourceAnnotation];
  return s === 'file' || s === 'http' ? s : 'api';
}

/** "name_namespace", upstream's kubecontainer.GetPodFullName. */
export function podFullName(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}`;
}
