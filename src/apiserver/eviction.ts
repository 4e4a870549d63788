// The pods/eviction subresource (upstream's EvictionREST): deletes a pod unless that would
// break its PodDisruptionBudget. The decisions are in registry/strategies/pod_eviction.ts;
// this file reads the pod and its budgets, writes the budget's status with optimistic
// concurrency, and deletes the pod.
import type { Pod, PodDisruptionBudget } from '../api/core/index.ts';
import { errors, isStatusError } from '../api/errors.ts';
import type { Unstructured } from '../api/object.ts';
import { budgetsForPod } from '../api/policy/pdb.ts';
import type { DeleteOptions, Store } from './registry/store.ts';
import {
  budgetBeingProcessed,
  canIgnorePDB,
  checkAndDecrement,
  checkPreconditions,
  evictionRequest,
  multipleBudgetsStatus,
  pinResourceVersion,
  shouldEnforceResourceVersion,
  unhealthyPodMayGo,
  withDisruptionTarget,
} from './registry/strategies/pod_eviction.ts';

export interface EvictionDeps {
  pods: Store<Pod>;
  podDisruptionBudgets: Store<PodDisruptionBudget>;
  now?: () => Date;
}

/** Upstream's EvictionsRetry: 20 attempts on conflicts. */
const retries = 20;

const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

export type EvictionResult = Record<string, unknown> & { code: number };

export function createEviction(d: EvictionDeps): (namespace: string, podName: string, body: Unstructured, dryRun: boolean) => Promise<EvictionResult> {
  const now = d.now ?? (() => new Date());

  /** addConditionAndDeletePod: marks the pod DisruptionTarget, then deletes it with the Eviction's options. */
  const deletePod = async (namespace: string, name: string, options: DeleteOptions) => {
    let opts = options;
    if (!options.dryRun) {
      const updated = await d.pods.guaranteedUpdate(namespace, name, (latest) => {
        checkPreconditions(latest, options);
        return withDisruptionTarget(latest, now());
      }, 'status');
      // Our own write moved the pod on: the client's pin follows it.
      if (options.preconditions?.resourceVersion) opts = { ...options, preconditions: { ...options.preconditions, resourceVersion: updated.metadata.resourceVersion } };
    }
    await d.pods.delete(namespace, name, opts);
  };

  /** Spends one disruption of the budget, re-reading it on conflicts (the stored copy is re-checked each time). */
  const decrement = async (pdb: PodDisruptionBudget, podName: string, dryRun: boolean) => {
    const ns = pdb.metadata.namespace ?? '';
    const name = pdb.metadata.name ?? '';
    if (dryRun) return void checkAndDecrement(await d.podDisruptionBudgets.get(ns, name), podName, true, now());
    try {
      await d.podDisruptionBudgets.guaranteedUpdate(ns, name, (current) => checkAndDecrement(current, podName, false, now()), 'status');
    } catch (e) {
      if (isStatusError(e, 'Conflict')) throw errors.timeout(`couldn't update PodDisruptionBudget ${JSON.stringify(name)} due to conflicts`);
      throw e;
    }
  };

  return async (namespace, podName, body, queryDryRun) => {
    const { options, pinned } = evictionRequest(body, podName, queryDryRun);
    // A pod a budget need not be asked about is deleted at once, pinned to the version read.
    let pod: Pod | undefined;
    for (let attempt = 1; ; attempt++) {
      pod = await d.pods.get(namespace, podName);
      if (!canIgnorePDB(pod)) break;
      const opts = shouldEnforceResourceVersion(pod) && !pinned ? pinResourceVersion(options, pod) : options;
      try {
        await deletePod(namespace, podName, opts);
        return success;
      } catch (e) {
        if (!isStatusError(e, 'Conflict') || pinned || attempt >= retries) throw e;
      }
    }

    const budgets = budgetsForPod((await d.podDisruptionBudgets.list(namespace)).items, pod);
    if (budgets.length > 1) return multipleBudgetsStatus();
    const pdb = budgets[0];
    // An unready pod that does not count towards the budget goes without spending it, as long
    // as it does not turn ready in between (its resourceVersion is the deletion's precondition).
    const guarded = !!pdb && unhealthyPodMayGo(pod, pdb);
    if (pdb && !guarded) await decrement(pdb, podName, !!options.dryRun);
    try {
      await deletePod(namespace, podName, guarded && !pinned ? pinResourceVersion(options, pod) : options);
    } catch (e) {
      if (isStatusError(e, 'Conflict') && guarded && !pinned) throw budgetBeingProcessed(pdb.metadata.name ?? '');
      throw e;
    }
    return success;
  };
}
