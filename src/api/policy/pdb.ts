// PodDisruptionBudget rules the eviction API and the disruption controller share: which pods a
// budget selects, pod health, and the DisruptionAllowed condition (upstream's pdb helper).
import type { MetaCondition, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../core/index.ts';
import { rfc3339 } from '../object.ts';
import { isEmpty, matchLabels, selectorFromLabelSelector, type LabelSelector } from '../selectors/labels.ts';

export const DisruptionAllowedCondition = 'DisruptionAllowed';
export const SufficientPodsReason = 'SufficientPods';
export const InsufficientPodsReason = 'InsufficientPods';
export const SyncFailedReason = 'SyncFailed';
/** The StatusCause type of an eviction refused by a budget. */
export const DisruptionBudgetCause = 'DisruptionBudget';

/** The budget's selector; undefined when it cannot be parsed (such a budget selects nothing). */
export function pdbSelector(pdb: PodDisruptionBudget): LabelSelector | undefined {
  try {
    return selectorFromLabelSelector(pdb.spec?.selector);
  } catch {
    return undefined;
  }
}

/**
 * The budgets an eviction of the pod answers to. As upstream's eviction REST, a budget with a
 * nil or empty selector matches nothing here (the controller still counts its pods).
 */
export function budgetsForPod(pdbs: readonly PodDisruptionBudget[], pod: Pod): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
    const sel = pdbSelector(pdb);
    return !!sel && !sel.nothing && !isEmpty(sel) && matchLabels(sel, pod.metadata.labels);
  });
}

/** The pods a budget covers, for the controller: nil selects nothing, `{}` every pod of the namespace. */
export function podsForBudget(pdb: PodDisruptionBudget, pods: readonly Pod[]): Pod[] {
  const sel = pdbSelector(pdb);
  if (!sel) return [];
  return pods.filter((p) => p.metadata.namespace === pdb.metadata.namespace && matchLabels(sel, p.metadata.labels));
}

/** podutil.IsPodReady: the pod's Ready condition is True (upstream's notion of a healthy pod). */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c?.type === 'Ready' && c?.status === 'True');
}

/** apimeta.SetStatusCondition: replaces the condition of that type, keeping its transition time unless the status changed. */
export function setStatusCondition(conditions: MetaCondition[], c: Omit<MetaCondition, 'lastTransitionTime'>, now: Date): MetaCondition[] {
  const existing = conditions.find((x) => x.type === c.type);
  const lastTransitionTime = existing && existing.status === c.status ? existing.lastTransitionTime : rfc3339(now);
  const next: MetaCondition = { ...c, lastTransitionTime };
  return existing ? conditions.map((x) => (x === existing ? next : x)) : [...conditions, next];
}

/** pdbhelper.UpdateDisruptionAllowedCondition: True/SufficientPods while disruptions are allowed, else False/InsufficientPods. */
export function updateDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: Date): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  const conditions = setStatusCondition(
    status.conditions ?? [],
    {
      type: DisruptionAllowedCondition,
      status: allowed ? 'True' : 'False',
      reason: allowed ? SufficientPodsReason : InsufficientPodsReason,
      message: '',
      observedGeneration: status.observedGeneration,
    },
    now,
  );
  return { ...status, conditions };
}

/** pdbhelper.ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status;
  const cond = status?.conditions?.find((c) => c.type === DisruptionAllowedCondition);
  if (!status || !cond || status.observedGeneration !== pdb.metadata.generation) return false;
  if (status.disruptionsAllowed > 0) return cond.status === 'True' && cond.reason === SufficientPodsReason;
  return cond.status === 'False' && cond.reason === InsufficientPodsReason;
}
