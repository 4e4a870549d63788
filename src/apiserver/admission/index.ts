// Mutating admission for pod creation, in the order an upstream cluster runs the default
// plugins: ServiceAccount, DefaultTolerationSeconds, Priority. Pure but for the lookups
// the caller passes in.
import type { Pod } from '../../api/core/index.ts';
import { admitServiceAccount, type ServiceAccountContext } from './serviceaccount.ts';
import { admitDefaultTolerationSeconds } from './default_toleration_seconds.ts';
import { admitPriority, type PriorityClassInfo } from './priority.ts';

export { admitServiceAccount, apiAccessVolume, randomSuffix, serviceAccountMountPath, shouldAutomount } from './serviceaccount.ts';
export type { ServiceAccountContext } from './serviceaccount.ts';
export { admitDefaultTolerationSeconds } from './default_toleration_seconds.ts';
export { admitPriority, systemPriorityClasses } from './priority.ts';
export type { PriorityClassInfo } from './priority.ts';

export interface PodAdmissionContext extends ServiceAccountContext {
  priorityClass?: (name: string) => PriorityClassInfo | undefined;
}

/** The service account a pod will use (what the caller should look up before admitPodCreate). */
export function podServiceAccountName(pod: Pod): string {
  return pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
}

/** Mutates a new pod as the default admission chain does; throws a Forbidden StatusError on refusal. */
export function admitPodCreate(pod: Pod, ctx: PodAdmissionContext): void {
  admitServiceAccount(pod, ctx);
  admitDefaultTolerationSeconds(pod);
  admitPriority(pod, ctx.priorityClass);
}
