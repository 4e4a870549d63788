// The pod phase from its container statuses, as upstream's getPhase: regular init containers gate
// Pending, sidecars count as running containers once started, and the restart policy decides what
// "all containers stopped" means.
import type { ContainerStatus, PodPhase, PodSpec } from '../../api/core/index.ts';
import { isRestartableInitContainer } from '../../api/pod/index.ts';

export interface PhaseInputs {
  spec: PodSpec;
  /** Init and regular container statuses together. */
  statuses: ContainerStatus[];
  /** The pod is being terminated for good: its containers will not restart whatever the policy. */
  podIsTerminal: boolean;
  /** Static pods keep a non-terminal phase while terminating (upstream TODO #116484). */
  isStatic: boolean;
  /** A regular container has started, so restarting sidecars do not send the pod back to Pending. */
  podHasInitialized: boolean;
}

export function podPhase({ spec, statuses, podIsTerminal, isStatic, podHasInitialized }: PhaseInputs): PodPhase {
  const find = (name: string) => statuses.find((s) => s.name === name);
  const initContainers = spec.initContainers ?? [];
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  for (const c of initContainers) {
    if (isRestartableInitContainer(c)) continue;
    const s = find(c.name);
    if (!s || s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting) {
      const last = s.lastState?.terminated;
      if (!last) pendingInit++;
      else if (last.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of initContainers) {
    if (!isRestartableInitContainer(c)) continue;
    const s = find(c.name);
    if (!s) unknown++;
    else if (s.state.running) {
      if (!s.started) pendingSidecars++;
      running++;
    } else if (s.state.terminated) {
      // A stopped sidecar does not count towards the phase.
    } else if (s.state.waiting) {
      if (!s.lastState?.terminated) {
        pendingSidecars++;
        waiting++;
      }
    } else {
      pendingSidecars++;
      unknown++;
    }
  }
  for (const c of spec.containers ?? []) {
    const s = find(c.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || (pendingSidecars > 0 && !podHasInitialized) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal && !isStatic) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
