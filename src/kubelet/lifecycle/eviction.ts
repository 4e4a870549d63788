// The eviction manager's admission (upstream's eviction managerImpl.Admit), pure: a node under
// pressure takes no new pods, except that under memory pressure alone a pod that is not
// BestEffort (or tolerates the memory-pressure taint) still gets in. Critical pods always do.
import type { Node, Pod } from '../../api/core/index.ts';
import { isMirrorPod, isStaticPod, podQOSClass } from '../../api/pod/index.ts';
import { tolerates } from '../../api/scheduling/predicates.ts';
import type { AdmitResult } from './types.ts';

/** The node conditions the eviction manager keeps (in upstream's order). */
export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

/** Upstream's scheduling.SystemCriticalPriority: a priority at or above it makes a pod critical. */
export const systemCriticalPriority = 2_000_000_000;

/** Upstream's kubetypes.IsCriticalPod: static, mirror, or system-critical priority. */
export function isCriticalPod(pod: Pod): boolean {
  return isStaticPod(pod) || isMirrorPod(pod) || (pod.spec?.priority ?? 0) >= systemCriticalPriority;
}

const memoryPressureTaint = { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' as const };

export function evictionAdmit(pod: Pod, conditions: PressureCondition[]): AdmitResult {
  if (conditions.length === 0 || isCriticalPod(pod)) return { admit: true };
  if (conditions.length === 1 && conditions[0] === 'MemoryPressure') {
    if (podQOSClass(pod.spec) !== 'BestEffort') return { admit: true };
    if ((pod.spec?.tolerations ?? []).some((t) => tolerates(t, memoryPressureTaint))) return { admit: true };
  }
  // Go's %v of a slice of condition types.
  return { admit: false, reason: 'Evicted', message: `The node had condition: [${conditions.join(' ')}]. ` };
}

/** The pressure conditions a Node reports true, in upstream's order (what the eviction manager's nodeConditions hold). */
export function pressureConditions(node: Pick<Node, 'status'>): PressureCondition[] {
  const on = new Set((node.status?.conditions ?? []).filter((c) => c?.status === 'True').map((c) => c!.type));
  return (['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const).filter((t) => on.has(t));
}
