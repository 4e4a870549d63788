// The taints the node lifecycle controller owns (upstream's TaintNodesByCondition and
// taint-based eviction taints): which a node should carry given its conditions, how to
// reconcile them with what it carries, and the not-ready taint a new Node gets at creation.
import type { Node, NodeCondition, Taint } from '../../api/core/index.ts';
import { rfc3339 } from '../../api/object.ts';

export const taintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
};

/** Conditions that, when True, keep new pods away (NoSchedule). */
const pressureTaints: Record<string, string> = {
  MemoryPressure: taintKeys.memoryPressure,
  DiskPressure: taintKeys.diskPressure,
  PIDPressure: taintKeys.pidPressure,
  NetworkUnavailable: taintKeys.networkUnavailable,
};

/** Every key/effect pair this controller adds and removes; other taints are never touched. */
const managed = new Set<string>([
  ...[taintKeys.notReady, taintKeys.unreachable].flatMap((k) => [`${k}:NoSchedule`, `${k}:NoExecute`]),
  ...[taintKeys.unschedulable, ...Object.values(pressureTaints)].map((k) => `${k}:NoSchedule`),
]);

const id = (t: Taint) => `${t.key}:${t.effect}`;

export function conditionStatus(conditions: NodeCondition[] | undefined, type: string): string | undefined {
  return (conditions ?? []).find((c) => c?.type === type)?.status;
}

/**
 * The managed taints a node should carry given its conditions and spec: not Ready → not-ready,
 * Ready Unknown → unreachable (NoSchedule and NoExecute both); never reported → not-ready
 * NoSchedule only; pressure conditions and cordoning → their NoSchedule taints.
 */
export function desiredTaints(node: Node, conditions: NodeCondition[] | undefined = node.status?.conditions): Taint[] {
  const out: Taint[] = [];
  const ready = conditionStatus(conditions, 'Ready');
  if (ready === undefined) out.push({ key: taintKeys.notReady, effect: 'NoSchedule' });
  else if (ready === 'False') out.push({ key: taintKeys.notReady, effect: 'NoSchedule' }, { key: taintKeys.notReady, effect: 'NoExecute' });
  else if (ready !== 'True') out.push({ key: taintKeys.unreachable, effect: 'NoSchedule' }, { key: taintKeys.unreachable, effect: 'NoExecute' });
  for (const [type, key] of Object.entries(pressureTaints)) {
    if (conditionStatus(conditions, type) === 'True') out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: taintKeys.unschedulable, effect: 'NoSchedule' });
  return out;
}

/**
 * The node's taints with the managed ones made to match `desired`: foreign taints stay as they
 * are, taints already present keep their value and timeAdded, new NoExecute taints are stamped
 * with timeAdded. Undefined when nothing changes.
 */
export function reconcileTaints(current: Taint[] | undefined, desired: Taint[], now: Date): Taint[] | undefined {
  const existing = current ?? [];
  const wanted = new Set(desired.map(id));
  const kept = existing.filter((t) => !managed.has(id(t)) || wanted.has(id(t)));
  const have = new Set(kept.map(id));
  const added = desired
    .filter((t) => !have.has(id(t)))
    .map((t) => (t.effect === 'NoExecute' ? { ...t, timeAdded: rfc3339(now) } : { ...t }));
  if (added.length === 0 && kept.length === existing.length) return undefined;
  return [...kept, ...added];
}

/**
 * Admission for Node creation (upstream's TaintNodesByCondition plugin): a node starts with
 * not-ready:NoSchedule until it reports Ready, so nothing is scheduled there too early.
 * Mutates the node; fits the nodes store's `beforeCreate` hook.
 */
export function addNotReadyTaintOnCreate(node: Node): void {
  if (conditionStatus(node.status?.conditions, 'Ready') === 'True') return;
  const taints = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === taintKeys.notReady && t.effect === 'NoSchedule')) return;
  node.spec = { ...(node.spec ?? {}), taints: [...taints, { key: taintKeys.notReady, effect: 'NoSchedule' }] };
}
