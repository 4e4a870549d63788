// The pods/ephemeralcontainers subresource (kubectl debug), as upstream's
// podEphemeralContainersStrategy: a write keeps everything of the pod but
// spec.ephemeralContainers, which may only grow (ValidatePodEphemeralContainersUpdate).
import type { Pod } from '../../../api/core/index.ts';
import { applyPodDefaults } from '../../../api/pod/defaults.ts';
import { isMirrorPod } from '../../../api/pod/index.ts';
import { validatePodSpec } from '../../../api/pod/validation.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import type { SubresourceUpdateStrategy } from '../strategy.ts';
import { semanticEqual } from './common.ts';
import { describeDiff } from './pod_update.ts';

/**
 * Upstream's dropNonEphemeralContainerUpdates: "discards all changes except for
 * pod.Spec.EphemeralContainers and certain metadata" — spec and status come from old, and so
 * does the metadata (ResetObjectMetaForStatus) but for the client's resourceVersion precondition.
 */
export function dropNonEphemeralContainerUpdates(pod: Pod, old: Pod): void {
  const ephemeralContainers = pod.spec?.ephemeralContainers;
  const { resourceVersion } = pod.metadata ?? {};
  for (const k of Object.keys(pod)) Reflect.deleteProperty(pod, k);
  Object.assign(pod, structuredClone(old));
  if (ephemeralContainers === undefined) delete pod.spec.ephemeralContainers;
  else pod.spec.ephemeralContainers = ephemeralContainers;
  if (resourceVersion === undefined) delete pod.metadata.resourceVersion;
  else pod.metadata.resourceVersion = resourceVersion;
  // The new containers get the defaults a created pod's containers get (terminationMessagePath, ...).
  applyPodDefaults(pod);
}

/**
 * Upstream's ValidatePodEphemeralContainersUpdate: the new pod's spec must be valid, static pods
 * take none, and "existing EphemeralContainers may not be changed. Order isn't preserved by
 * patch, so check each individually."
 */
export function validatePodEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  // Static pods don't support ephemeral containers (upstream #113935): their mirror pods refuse them.
  if (isMirrorPod(old)) return [field.forbidden('', 'static pods do not support ephemeral containers')];
  const errs = validatePodSpec(pod.spec);
  const path = 'spec.ephemeralContainers';
  const now = new Map((pod.spec?.ephemeralContainers ?? []).map((c) => [c?.name, c]));
  for (const before of old.spec?.ephemeralContainers ?? []) {
    const after = now.get(before.name);
    if (!after) {
      errs.push(field.forbidden(path, `existing ephemeral containers "${before.name}" may not be removed\n`));
    } else if (!semanticEqual(before, after)) {
      const diff = describeDiff(before, after, `${path}[${before.name}]`).join('\n');
      errs.push(field.forbidden(`${path}[${before.name}]`, `existing ephemeral containers "${before.name}" may not be changed\n${diff}`));
    }
  }
  return errs;
}

export const podEphemeralContainersStrategy: SubresourceUpdateStrategy<Pod> = {
  prepareForUpdate: dropNonEphemeralContainerUpdates,
  validateUpdate: validatePodEphemeralContainersUpdate,
};
