// Pure decisions of graceful deletion, as upstream's rest.BeforeDelete: the strategy says how
// long an object's grace period is (pods) and whether its spec finalizes it (namespaces).
import type { KubeObject } from '../../api/object.ts';
import type { Strategy } from './strategy.ts';

export type DeletionDecision =
  /** Remove from storage now. */
  | { action: 'delete' }
  /** Keep the object, marked for deletion (graceful period running, or finalizers pending). */
  | { action: 'mark'; gracePeriodSeconds: number }
  /** Already marked with a period no longer than asked: nothing to change. */
  | { action: 'none' };

/** Finalizers that hold an object: metadata.finalizers, and those of its spec (namespaces). */
export function pendingFinalizers<T extends KubeObject>(obj: T, strategy: Strategy<T>): string[] {
  const meta = obj.metadata.finalizers ?? [];
  const spec = strategy.specFinalization?.pending(obj) ?? [];
  return [...meta, ...spec];
}

export function decideDeletion<T extends KubeObject>(obj: T, requestedGrace: number | undefined, strategy: Strategy<T>): DeletionDecision {
  const grace = strategy.gracePeriod?.(obj, requestedGrace) ?? 0;
  const finalizers = pendingFinalizers(obj, strategy);
  const marked = obj.metadata.deletionTimestamp !== undefined;
  if (strategy.specFinalization) {
    // Namespaces always pass through Terminating so their contents are removed first.
    if (finalizers.length === 0 && marked) return { action: 'delete' };
    return marked ? { action: 'none' } : { action: 'mark', gracePeriodSeconds: 0 };
  }
  if (grace === 0 && finalizers.length === 0) return { action: 'delete' };
  if (marked) {
    const current = obj.metadata.deletionGracePeriodSeconds ?? 0;
    // A later delete may only shorten the period.
    return grace < current ? { action: 'mark', gracePeriodSeconds: grace } : { action: 'none' };
  }
  return { action: 'mark', gracePeriodSeconds: grace };
}

/** After an update: an object marked for deletion whose finalizers are all gone and whose grace has ended goes. */
export function deleteAfterUpdate<T extends KubeObject>(obj: T, strategy: Strategy<T>): boolean {
  return (
    obj.metadata.deletionTimestamp !== undefined &&
    pendingFinalizers(obj, strategy).length === 0 &&
    (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0
  );
}
