// Ephemeral containers (kubectl debug), as upstream's validateEphemeralContainers: what an
// ephemeral container may carry beyond the usual container checks. The update rules of the
// pods/ephemeralcontainers subresource are the API server's (registry/strategies/pod_ephemeral.ts).
import type { EphemeralContainer, PodSpec } from '../core/index.ts';
import { field, type FieldError } from '../validation/field.ts';

/**
 * Upstream's allowedEphemeralContainerFields, the fields it lists as false: "Ephemeral containers
 * should not be relied upon for fundamental pod services, so fields such as Lifecycle, probes,
 * resources and ports should be disallowed."
 */
export const forbiddenEphemeralContainerFields = [
  'ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy',
] as const;

const cannotBeSet = 'cannot be set for an Ephemeral Container';

function isSet(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * The ephemeral-only rules of spec.ephemeralContainers (validatePodSpec runs the usual container
 * checks and the name uniqueness across all containers): no forbidden field, no subPath mounts,
 * and targetContainerName naming a container or init container of the pod.
 */
export function validateEphemeralContainers(spec: PodSpec, path = 'spec.ephemeralContainers'): FieldError[] {
  const list: EphemeralContainer[] = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : [];
  const others = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c?.name));
  const errs: FieldError[] = [];
  list.forEach((ec, i) => {
    if (!ec || typeof ec !== 'object') return;
    const p = `${path}[${i}]`;
    // "The target container name must exist and be non-ephemeral."
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) {
      errs.push(field.notFound(`${p}.targetContainerName`, ec.targetContainerName));
    }
    for (const key of forbiddenEphemeralContainerFields) {
      if (isSet(ec[key])) errs.push(field.forbidden(`${p}.${key}`, cannotBeSet));
    }
    // "VolumeMount subpaths have the potential to leak resources ... they're disallowed entirely."
    (Array.isArray(ec.volumeMounts) ? ec.volumeMounts : []).forEach((m, j) => {
      if (m?.subPath) errs.push(field.forbidden(`${p}.volumeMounts[${j}].subPath`, cannotBeSet));
      if (m?.subPathExpr) errs.push(field.forbidden(`${p}.volumeMounts[${j}].subPathExpr`, cannotBeSet));
    });
  });
  return errs;
}
