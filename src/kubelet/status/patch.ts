// The pods/status patch, as upstream's statusutil.PatchPodStatus: a two-way strategic merge patch
// from the status the API server has to the one the kubelet wants, with the pod UID in the patch
// body as a precondition (the patch fails if the name now belongs to a different pod).
import { createStrategicMergePatch } from '../../api/patch/index.ts';
import type { PodStatus } from '../../api/core/index.ts';

export interface PodStatusPatch {
  patch: Record<string, unknown>;
  /** Only the UID precondition: nothing to send. */
  unchanged: boolean;
}

export function podStatusPatch(uid: string, apiStatus: PodStatus, desired: PodStatus): PodStatusPatch {
  const patch = createStrategicMergePatch({ status: apiStatus }, { metadata: { uid }, status: desired }, 'V1Pod');
  const unchanged = Object.keys(patch).every((k) => k === 'metadata');
  return { patch, unchanged };
}
