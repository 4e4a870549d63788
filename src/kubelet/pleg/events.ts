// Events from two relists of one pod, as upstream's generic PLEG computeEvents: each container
// (and sandbox) is compared by ID; a state change becomes Started, Died, Changed or Removed.
import type { RuntimePodStatus } from '../container/types.ts';
import type { PodLifecycleEvent, RelistPod } from './types.ts';

type PlegState = 'running' | 'exited' | 'unknown' | 'non-existent';

function stateOf(pod: RelistPod | undefined, id: string): PlegState {
  if (!pod) return 'non-existent';
  const c = pod.containers.find((x) => x.id === id);
  if (c) {
    // A created-but-not-started container is "unknown" to the PLEG, as upstream.
    if (c.state === 'running') return 'running';
    if (c.state === 'exited') return 'exited';
    return 'unknown';
  }
  const s = pod.sandboxes.find((x) => x.id === id);
  if (s) return s.state === 'ready' ? 'running' : 'exited';
  return 'non-existent';
}

function idsOf(pod: RelistPod | undefined): string[] {
  return pod ? [...pod.sandboxes.map((s) => s.id), ...pod.containers.map((c) => c.id)] : [];
}

export function eventsFor(uid: string, id: string, before: PlegState, after: PlegState): PodLifecycleEvent[] {
  if (before === after) return [];
  switch (after) {
    case 'running':
      return [{ id: uid, type: 'ContainerStarted', data: id }];
    case 'exited':
      return [{ id: uid, type: 'ContainerDied', data: id }];
    case 'unknown':
      return [{ id: uid, type: 'ContainerChanged', data: id }];
    case 'non-existent':
      // A container that vanished without being seen exited died first.
      return before === 'exited'
        ? [{ id: uid, type: 'ContainerRemoved', data: id }]
        : [{ id: uid, type: 'ContainerDied', data: id }, { id: uid, type: 'ContainerRemoved', data: id }];
  }
}

/** All events of one pod between the previous relist (`old`) and this one (`current`). */
export function computePodEvents(uid: string, old: RelistPod | undefined, current: RelistPod | undefined): PodLifecycleEvent[] {
  const ids = [...new Set([...idsOf(old), ...idsOf(current)])];
  return ids.flatMap((id) => eventsFor(uid, id, stateOf(old, id), stateOf(current, id)));
}

/**
 * Whether a runtime status shows exactly what a relist saw of the pod: the same sandboxes and
 * containers with the same states. States only move forward (created → running → exited), so
 * such a status, even read a little before the relist, is what a read at the relist would return.
 */
export function statusMatchesRelist(status: RuntimePodStatus, pod: RelistPod): boolean {
  if (status.sandboxes.length !== pod.sandboxes.length || status.containers.length !== pod.containers.length) return false;
  const sandboxes = new Map(status.sandboxes.map((s) => [s.id, s.state]));
  const containers = new Map(status.containers.map((c) => [c.id.id, c.state]));
  return pod.sandboxes.every((s) => sandboxes.get(s.id) === s.state)
    && pod.containers.every((c) => c.state !== 'unknown' && containers.get(c.id) === c.state);
}
