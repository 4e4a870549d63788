// The labels and annotations the kubelet puts on CRI objects, as upstream's labels.go, so that a
// restarted kubelet can recognise and adopt what it finds in the runtime.
import type { Container, Pod } from '../../api/core/index.ts';
import { podNamespace } from './pod.ts';
import { hashContainer } from './hash.ts';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
export const ANNOTATION_POD_TERMINATION_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_PRESTOP_HANDLER = 'io.kubernetes.container.preStopHandler';
export const ANNOTATION_CONTAINER_PORTS = 'io.kubernetes.container.ports';

export function sandboxLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata.name!,
    [LABEL_POD_NAMESPACE]: podNamespace(pod),
    [LABEL_POD_UID]: pod.metadata.uid!,
  };
}

export function sandboxAnnotations(pod: Pod): Record<string, string> {
  return { ...(pod.metadata.annotations ?? {}) };
}

export function containerLabels(pod: Pod, container: Container): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name!,
    [LABEL_POD_NAMESPACE]: podNamespace(pod),
    [LABEL_POD_UID]: pod.metadata.uid!,
    [LABEL_CONTAINER_NAME]: container.name,
  };
}

export function containerAnnotations(pod: Pod, container: Container, restartCount: number): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATION_CONTAINER_HASH]: hashContainer(container),
    [ANNOTATION_RESTART_COUNT]: String(restartCount),
    [ANNOTATION_TERMINATION_MESSAGE_PATH]: container.terminationMessagePath ?? '/dev/termination-log',
    [ANNOTATION_TERMINATION_MESSAGE_POLICY]: container.terminationMessagePolicy ?? 'File',
  };
  if (pod.spec.terminationGracePeriodSeconds !== undefined) {
    a[ANNOTATION_POD_TERMINATION_GRACE_PERIOD] = String(pod.spec.terminationGracePeriodSeconds);
  }
  if (container.lifecycle?.preStop) a[ANNOTATION_PRESTOP_HANDLER] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports?.length) a[ANNOTATION_CONTAINER_PORTS] = JSON.stringify(container.ports);
  return a;
}

/** What a container's labels and annotations say about it (for adoption and killing without a spec). */
export interface ContainerInfo {
  podName: string;
  podNamespace: string;
  podUid: string;
  containerName: string;
  hash: string;
  restartCount: number;
  terminationMessagePath: string;
  terminationMessagePolicy: string;
  podTerminationGracePeriod?: number;
  preStop?: NonNullable<Container['lifecycle']>['preStop'];
}

export function readContainerInfo(labels: Record<string, string>, annotations: Record<string, string>): ContainerInfo {
  const grace = annotations[ANNOTATION_POD_TERMINATION_GRACE_PERIOD];
  let preStop: ContainerInfo['preStop'];
  try { preStop = annotations[ANNOTATION_PRESTOP_HANDLER] ? JSON.parse(annotations[ANNOTATION_PRESTOP_HANDLER]) : undefined; } catch { preStop = undefined; }
  return {
    podName: labels[LABEL_POD_NAME] ?? '',
    podNamespace: labels[LABEL_POD_NAMESPACE] ?? '',
    podUid: labels[LABEL_POD_UID] ?? '',
    containerName: labels[LABEL_CONTAINER_NAME] ?? '',
    hash: annotations[ANNOTATION_CONTAINER_HASH] ?? '',
    restartCount: Number(annotations[ANNOTATION_RESTART_COUNT] ?? 0) || 0,
    terminationMessagePath: annotations[ANNOTATION_TERMINATION_MESSAGE_PATH] ?? '',
    terminationMessagePolicy: annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY] ?? 'File',
    podTerminationGracePeriod: grace !== undefined && grace !== '' ? Number(grace) : undefined,
    preStop,
  };
}
