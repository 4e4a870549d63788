// The Priority admission plugin: resolves priorityClassName into spec.priority and
// spec.preemptionPolicy. Berth serves no PriorityClass objects, so only the two built-in
// system classes (and an injectable lookup) resolve.
import type { Pod } from '../../api/core/index.ts';
import { errors } from '../../api/errors.ts';

export interface PriorityClassInfo {
  value: number;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
}

export const systemPriorityClasses: Record<string, PriorityClassInfo> = {
  'system-node-critical': { value: 2000001000 },
  'system-cluster-critical': { value: 2000000000 },
};

const forbidden = (pod: Pod, why: string) => errors.forbidden({ group: '', resource: 'pods' }, pod.metadata.name ?? '', why);

/** Mutates the pod (on create). Throws Forbidden for unknown classes or conflicting values. */
export function admitPriority(pod: Pod, lookup: (name: string) => PriorityClassInfo | undefined = () => undefined): void {
  const spec = (pod.spec ??= { containers: [] });
  let priority = 0;
  let policy: PriorityClassInfo['preemptionPolicy'] = 'PreemptLowerPriority';
  const className = spec.priorityClassName;
  if (className) {
    const pc = systemPriorityClasses[className] ?? lookup(className);
    if (!pc) throw forbidden(pod, `no PriorityClass with name ${className} was found`);
    priority = pc.value;
    policy = pc.preemptionPolicy ?? 'PreemptLowerPriority';
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw forbidden(
      pod,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
    throw forbidden(
      pod,
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  }
  spec.priority = priority;
  spec.preemptionPolicy = policy;
}
