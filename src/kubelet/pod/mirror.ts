// Mirror pods: the API server's read-only copy of a static pod, owned by the node, carrying the
// static pod's config hash so that a changed manifest replaces it.
import type { Pod } from '../../api/core/index.ts';
import { ConfigMirrorAnnotation } from '../../api/pod/index.ts';
import { ConfigHashAnnotation } from '../config/index.ts';

export interface MirrorApi {
  create(path: string, body: Pod): Promise<Pod>;
  delete(path: string, o?: { body?: object }): Promise<unknown>;
}

/** The mirror pod for a static pod (pure). */
export function mirrorPodFor(staticPod: Pod, node: { name: string; uid?: string }): Pod {
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...meta } = structuredClone(staticPod.metadata);
  meta.annotations = { ...meta.annotations, [ConfigMirrorAnnotation]: staticPod.metadata.annotations?.[ConfigHashAnnotation] ?? '' };
  if (node.uid) meta.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(staticPod.spec) };
}

function podPath(ns: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(ns)}/pods${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export async function createMirrorPod(api: MirrorApi, staticPod: Pod, node: { name: string; uid?: string }): Promise<Pod> {
  const mirror = mirrorPodFor(staticPod, node);
  return api.create(podPath(mirror.metadata.namespace ?? 'default', ''), mirror);
}

/** Deletes a mirror pod at once; with a uid, only that instance. */
export async function deleteMirrorPod(api: MirrorApi, namespace: string, name: string, uid?: string): Promise<void> {
  await api.delete(podPath(namespace, name), {
    body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, ...(uid ? { preconditions: { uid } } : {}) },
  });
}
