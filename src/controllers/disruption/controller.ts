// The disruption controller (kube-controller-manager's "disruption" controller): keeps every
// PodDisruptionBudget's status (expected, desired and current healthy pods, disruptions
// allowed, the DisruptionAllowed condition) in step with the pods it covers, and forgets
// evictions whose pods were not deleted within 2 minutes. Decisions are in status.ts; this file
// watches the caches, queues budgets and writes their status.
import type { Pod, PodDisruptionBudget } from '../../api/core/index.ts';
import { isStatusError } from '../../api/errors.ts';
import { podsForBudget } from '../../api/policy/pdb.ts';
import type { CacheEvent, ResourceClient } from '../../apiserver/client.ts';
import { desiredStatus, failSafeStatus } from './status.ts';
import { runKeyQueue } from '../workqueue/queue.ts';

export interface DisruptionControllerDeps {
  podDisruptionBudgets: ResourceClient<PodDisruptionBudget>;
  pods: ResourceClient<Pod>;
  signal: AbortSignal;
  now?: () => Date;
  log?: (msg: string) => void;
}

const keyOf = (obj: { metadata: { namespace?: string; name?: string } }) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

export function runDisruptionController(d: DisruptionControllerDeps): void {
  const now = d.now ?? (() => new Date());
  const log = d.log ?? (() => {});
  const pdbs = d.podDisruptionBudgets;

  /** Writes the status computed from the cached budget; a conflict (the eviction API wrote meanwhile) retries the sync. */
  const writeStatus = async (pdb: PodDisruptionBudget, status: PodDisruptionBudget['status']) => {
    const ns = pdb.metadata.namespace ?? '';
    await pdbs.guaranteedUpdate(ns, pdb.metadata.name ?? '', (stored) => ({ ...stored, metadata: { ...stored.metadata, resourceVersion: pdb.metadata.resourceVersion }, status }), 'status');
  };

  /** Returns the milliseconds until the earliest disruptedPods entry expires. */
  const sync = async (key: string): Promise<number | undefined> => {
    const slash = key.indexOf('/');
    const pdb = pdbs.cache.get(key.slice(0, slash), key.slice(slash + 1));
    if (!pdb) return undefined;
    const pods = podsForBudget(pdb, d.pods.cache.list(pdb.metadata.namespace ?? '').items);
    const t = now();
    try {
      const decision = desiredStatus(pdb, pods, t);
      if (decision.unmanagedPods.length && typeof pdb.spec?.minAvailable !== 'number') {
        log(`disruption: ${key}: pods ${decision.unmanagedPods.join(', ')} have no controller; set .spec.minAvailable to an integer to account for them`);
      }
      for (const name of decision.notDeleted) log(`disruption: pod ${pdb.metadata.namespace}/${name} was expected by PDB ${key} to be deleted but it wasn't`);
      if (decision.status) await writeStatus(pdb, decision.status);
      return decision.recheckAt && decision.recheckAt.getTime() - t.getTime();
    } catch (e) {
      // A conflict only means the eviction API wrote first: sync again, no fail-safe.
      if (isStatusError(e, 'Conflict')) throw e;
      log(`disruption: failed to sync PDB ${key}: ${(e as Error).message}`);
      await writeStatus(pdb, failSafeStatus(pdb, e as Error, t));
      return undefined;
    }
  };

  const queue = runKeyQueue({
    signal: d.signal,
    sync,
    // A conflict is the eviction API having written first; the retry is the normal course.
    log: (key, e) => isStatusError(e, 'Conflict') || log(`disruption: syncing PodDisruptionBudget ${key}: ${e.message}`),
  });

  /** Budgets of the pod's namespace that select it (before or after the change). */
  const onPods = (events: CacheEvent<Pod>[]) => {
    for (const ev of events) {
      const ns = ev.object.metadata.namespace ?? '';
      for (const pdb of pdbs.cache.list(ns).items) {
        const covers = (pod: Pod | undefined) => !!pod && podsForBudget(pdb, [pod]).length > 0;
        if (covers(ev.object) || covers(ev.prevObject)) queue.add(keyOf(pdb));
      }
    }
  };
  const onBudgets = (events: CacheEvent<PodDisruptionBudget>[]) => {
    for (const ev of events) if (ev.type !== 'DELETED') queue.add(keyOf(ev.object));
  };
  pdbs.cache.watch(pdbs.cache.revision(), onBudgets, d.signal);
  d.pods.cache.watch(d.pods.cache.revision(), onPods, d.signal);
  for (const pdb of pdbs.cache.list().items) queue.add(keyOf(pdb));
}
