// The disruption controller's decisions (upstream's pkg/controller/disruption): from a budget
// and the pods it covers, the status it should have. Pure: the controller reads and writes.
import type { Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../api/core/index.ts';
import { scaledValue } from '../../api/policy/intstr.ts';
import { conditionsAreUpToDate, DisruptionAllowedCondition, isPodReady, setStatusCondition, SyncFailedReason, updateDisruptionAllowedCondition } from '../../api/policy/pdb.ts';

/** How long an eviction's disruptedPods entry counts the pod as gone before the controller forgets it. */
export const deletionTimeoutMs = 2 * 60 * 1000;

export interface ExpectedPods {
  expectedCount: number;
  desiredHealthy: number;
  /** Pods without a controller: a percentage or maxUnavailable cannot count them. */
  unmanagedPods: string[];
}

/**
 * getExpectedScale without workload controllers: pods with no controller are unmanaged and not
 * counted; a pod with a controller has one Berth cannot scale, which upstream reports as an error.
 */
function expectedScale(pods: readonly Pod[]): { expectedCount: number; unmanagedPods: string[] } {
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const controller = (pod.metadata.ownerReferences ?? []).find((r) => r?.controller);
    if (!controller) unmanagedPods.push(pod.metadata.name ?? '');
    else throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name ?? '')}`);
  }
  return { expectedCount: 0, unmanagedPods };
}

/** getExpectedPodCount: an integer minAvailable counts the pods themselves, anything else the controllers' scale. Throws on failure. */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[]): ExpectedPods {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { expectedCount, unmanagedPods } = expectedScale(pods);
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
  }
  if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
  if (typeof spec.minAvailable === 'string') {
    const { expectedCount, unmanagedPods } = expectedScale(pods);
    return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount, true), unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

export interface DisruptedPodMap {
  disruptedPods: Record<string, string>;
  /** When the earliest kept entry expires: the budget is synced again then. */
  recheckAt?: Date;
  /** Pods the eviction API let go that were not deleted in time (upstream's NotDeleted event). */
  notDeleted: string[];
}

/** buildDisruptedPodMap: keeps the entries of pods not yet being deleted whose 2 minutes have not passed. */
export function buildDisruptedPodMap(pods: readonly Pod[], pdb: PodDisruptionBudget, now: Date): DisruptedPodMap {
  const recorded = pdb.status?.disruptedPods ?? {};
  const out: DisruptedPodMap = { disruptedPods: {}, notDeleted: [] };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || !Object.hasOwn(recorded, name)) continue;
    const expectedDeletion = new Date(Date.parse(recorded[name]) + deletionTimeoutMs);
    if (!(expectedDeletion.getTime() >= now.getTime())) {
      out.notDeleted.push(name);
      continue;
    }
    out.disruptedPods[name] = recorded[name];
    if (!out.recheckAt || expectedDeletion < out.recheckAt) out.recheckAt = expectedDeletion;
  }
  return out;
}

/** countHealthyPods: ready pods that are neither being deleted nor just let go by the eviction API. */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const disrupted = disruptedPods[pod.metadata.name ?? ''];
    if (disrupted !== undefined && Date.parse(disrupted) + deletionTimeoutMs > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** Equal maps, an absent one being empty (upstream's semantic equality). */
function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export interface StatusDecision {
  /** The status to write, or undefined when the stored one is already right. */
  status?: PodDisruptionBudgetStatus;
  recheckAt?: Date;
  unmanagedPods: string[];
  notDeleted: string[];
}

/** trySync + updatePdbStatus: the budget's status from the pods it covers. Throws when the expected count cannot be worked out. */
export function desiredStatus(pdb: PodDisruptionBudget, pods: readonly Pod[], now: Date): StatusDecision {
  const { expectedCount, desiredHealthy, unmanagedPods } = expectedPodCount(pdb, pods);
  const { disruptedPods, recheckAt, notDeleted } = buildDisruptedPodMap(pods, pdb, now);
  const currentHealthy = countHealthyPods(pods, disruptedPods, now);
  // A budget that covers no pods yet allows nothing: its first pods may come before a sync.
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const old = pdb.status;
  const generation = pdb.metadata.generation ?? 0;
  const decision: StatusDecision = { recheckAt, unmanagedPods, notDeleted };
  const same =
    old?.currentHealthy === currentHealthy &&
    old.desiredHealthy === desiredHealthy &&
    old.expectedPods === expectedCount &&
    old.disruptionsAllowed === disruptionsAllowed &&
    sameEntries(old.disruptedPods ?? {}, disruptedPods) &&
    (old.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb);
  if (same) return decision;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    ...(Object.keys(disruptedPods).length ? { disruptedPods } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    conditions: old?.conditions ?? [],
  };
  return { ...decision, status: updateDisruptionAllowedCondition(status, now) };
}

/** failSafe: a budget whose status cannot be worked out allows no disruption, saying why. */
export function failSafeStatus(pdb: PodDisruptionBudget, err: Error, now: Date): PodDisruptionBudgetStatus {
  const old = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const conditions = setStatusCondition(
    old.conditions ?? [],
    { type: DisruptionAllowedCondition, status: 'False', reason: SyncFailedReason, message: err.message, observedGeneration: old.observedGeneration },
    now,
  );
  return { ...old, disruptionsAllowed: 0, conditions };
}
