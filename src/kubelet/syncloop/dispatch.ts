// What the sync loop does with each input (pure): upstream's syncLoopIteration cases and the
// SyncHandler calls behind them (HandlePodAdditions/Updates/Removes/Reconcile/Syncs), written
// as a list of steps for the loop to carry out in order.
import type { Pod } from '../../api/core/index.ts';
import { isMirrorPod } from '../../api/pod/index.ts';
import type { PodChange } from '../config/index.ts';
import type { PodLifecycleEvent } from '../pleg/index.ts';
import type { PodUpdate } from '../pod/workers.ts';
import type { ProbeUpdate } from '../prober/index.ts';
import { byCreationTime } from '../lifecycle/index.ts';
import { needToReconcilePodReadiness } from '../status/index.ts';

export type Dispatch =
  /** Pod manager: the pod (or mirror pod) as its source now has it. */
  | { kind: 'setPod'; pod: Pod }
  | { kind: 'removePod'; pod: Pod }
  /** Pod workers: a changed pod (upstream's UpdatePod). */
  | { kind: 'updatePod'; update: PodUpdate }
  /** A new pod: admitted first (upstream's HandlePodAdditions), then handed to the pod workers. */
  | { kind: 'admitPod'; update: PodUpdate }
  /** Pod workers: sync a known pod again, as the pod manager now has it (upstream's HandlePodSyncs). */
  | { kind: 'syncPod'; uid: string }
  /** Status manager: a readiness verdict reaches the API at once. */
  | { kind: 'setReadiness'; podUid: string; containerId: string; ready: boolean };

/** The static pod a mirror pod stands for, by full name, if the kubelet has it. */
export type StaticPodLookup = (namespace: string, name: string) => string | undefined;

/** Changes from the pod sources' merge. */
export function configDispatch(changes: PodChange[], staticPodUid: StaticPodLookup): Dispatch[] {
  const out: Dispatch[] = [];
  for (const change of changes) {
    // New pods are admitted oldest first, each counting the ones admitted before it.
    for (const pod of change.op === 'ADD' ? byCreationTime(change.pods) : change.pods) {
      if (isMirrorPod(pod)) {
        // A mirror being deleted stays known until it is gone, so its static pod replaces it.
        out.push(change.op === 'REMOVE' ? { kind: 'removePod', pod } : { kind: 'setPod', pod });
        // A mirror pod deleted or changed by someone else is put back by its static pod's sync.
        const owner = staticPodUid(pod.metadata.namespace ?? 'default', pod.metadata.name!);
        if (owner) out.push({ kind: 'syncPod', uid: owner });
        continue;
      }
      if (change.op === 'REMOVE') {
        out.push({ kind: 'removePod', pod }, { kind: 'updatePod', update: { pod, removed: true, gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds } });
        continue;
      }
      out.push({ kind: 'setPod', pod });
      if (change.op === 'RECONCILE') {
        // Upstream's HandlePodReconcile: only the status changed, and a readiness gate's condition
        // set by someone else changes Ready only through a sync (of the pod as the API now has it).
        if (needToReconcilePodReadiness(pod)) out.push({ kind: 'syncPod', uid: pod.metadata.uid! });
        continue;
      }
      const deleting = !!pod.metadata.deletionTimestamp;
      const update = { pod, terminate: deleting, gracePeriodSeconds: deleting ? pod.metadata.deletionGracePeriodSeconds : undefined };
      // A pod already being deleted is not admitted: it is only terminated.
      out.push({ kind: change.op === 'ADD' && !deleting ? 'admitPod' : 'updatePod', update });
    }
  }
  return out;
}

/** A PLEG event: the pod's containers changed. As upstream's isSyncPodWorthy, a removal alone is not worth a sync. */
export function plegDispatch(event: PodLifecycleEvent): Dispatch[] {
  return event.type === 'ContainerRemoved' ? [] : [{ kind: 'syncPod', uid: event.id }];
}

/** A probe result changed: readiness goes to the status at once; failures and startup verdicts re-sync the pod. */
export function probeDispatch(u: ProbeUpdate): Dispatch[] {
  const out: Dispatch[] = [];
  if (u.probeType === 'Readiness') out.push({ kind: 'setReadiness', podUid: u.podUid, containerId: u.containerId, ready: u.result === 'success' });
  if (u.result === 'failure' || u.probeType === 'Startup') out.push({ kind: 'syncPod', uid: u.podUid });
  return out;
}

/** The sync tick: the pods whose resync is due. */
export function resyncDispatch(due: string[]): Dispatch[] {
  return due.map((uid) => ({ kind: 'syncPod', uid }));
}
