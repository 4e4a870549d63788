// Pure decisions of graceful deletion, as upstream's rest.BeforeDelete and the pod strategy.
import type { KubeObject } from '../../api/object.ts';

export type DeletionDecision =
  /** Remove from storage now. */
  | { action: 'delete' }
  /** Keep the object, marked for deletion (graceful period running, or finalizers pending). */
  | { action: 'mark'; gracePeriodSeconds: number }
  /** Already marked with a period no longer than asked: nothing to change. */
  | { action: 'none' };

/** Finalizers that hold an object: metadata.finalizers, and for namespaces spec.finalizers. */
export function pendingFinalizers(obj: KubeObject): string[] {
  const meta = obj.metadata.finalizers ?? [];
  const spec = obj.kind === 'Namespace' ? ((obj.spec?.finalizers as string[] | undefined) ?? []) : [];
  return [...meta, ...spec];
}

/**
 * The grace period a delete request gives an object. Only pods delete gracefully: a pod that
 * is bound to a node and not finished waits for its kubelet; everything else goes at once.
 */
export function gracePeriodFor(obj: KubeObject, requested: number | undefined): number {
  if (obj.kind !== 'Pod') return 0;
  const phase = obj.status?.phase;
  if (!obj.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  let grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
  // Upstream turns a negative grace period into 1 second (the smallest graceful one).
  if (grace < 0) grace = 1;
  return grace;
}

export function decideDeletion(obj: KubeObject, requestedGrace: number | undefined): DeletionDecision {
  const grace = gracePeriodFor(obj, requestedGrace);
  const finalizers = pendingFinalizers(obj);
  const marked = obj.metadata.deletionTimestamp !== undefined;
  if (obj.kind === 'Namespace') {
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
export function deleteAfterUpdate(obj: KubeObject): boolean {
  return (
    obj.metadata.deletionTimestamp !== undefined &&
    pendingFinalizers(obj).length === 0 &&
    (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0
  );
}
