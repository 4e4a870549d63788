// The DefaultTolerationSeconds admission plugin: pods tolerate not-ready and unreachable
// nodes for five minutes before eviction, unless they say otherwise.
import type { Pod, Toleration } from '../../api/core/index.ts';

export const notReadyTaint = 'node.kubernetes.io/not-ready';
export const unreachableTaint = 'node.kubernetes.io/unreachable';
export const defaultTolerationSeconds = 300;

function tolerates(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) => (t?.key === key || !t?.key) && (t?.effect === 'NoExecute' || !t?.effect));
}

/** Mutates the pod (on create). */
export function admitDefaultTolerationSeconds(pod: Pod, seconds = defaultTolerationSeconds): void {
  const spec = (pod.spec ??= { containers: [] });
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const add: Toleration[] = [];
  for (const key of [notReadyTaint, unreachableTaint]) {
    if (!tolerates(tolerations, key)) add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (add.length > 0) spec.tolerations = [...tolerations, ...add];
}
