// The kubelet's node conditions, with upstream's reasons and messages. Every condition carries
// lastHeartbeatTime = now; lastTransitionTime moves only when the status changes. A status change
// (including from a controller-set Unknown) asks for the matching node event, as upstream.
import { rfc3339 } from '../../api/object.ts';
import type { Pressure } from './pressure.ts';
import type { NodeCondition } from '../../api/core/index.ts';
import type { NodeStatusEvent } from './types.ts';

export interface ConditionInputs {
  now: Date;
  pressure: Pressure;
  /** Why the node is not ready (runtime down, network not ready, ...); empty when ready. */
  notReadyErrors: string[];
}

interface Spec {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  event: string;
}

function pressureSpec(type: string, on: boolean, t: { onReason: string; onMessage: string; onEvent: string; offReason: string; offMessage: string; offEvent: string }): Spec {
  return on
    ? { type, status: 'True', reason: t.onReason, message: t.onMessage, event: t.onEvent }
    : { type, status: 'False', reason: t.offReason, message: t.offMessage, event: t.offEvent };
}

/** Upstream joins several errors as "[a, b]". */
export function aggregateMessage(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

function desired(inputs: ConditionInputs): Spec[] {
  const { pressure, notReadyErrors } = inputs;
  return [
    pressureSpec('MemoryPressure', pressure.memory, {
      onReason: 'KubeletHasInsufficientMemory', onMessage: 'kubelet has insufficient memory available', onEvent: 'NodeHasInsufficientMemory',
      offReason: 'KubeletHasSufficientMemory', offMessage: 'kubelet has sufficient memory available', offEvent: 'NodeHasSufficientMemory',
    }),
    pressureSpec('DiskPressure', pressure.disk, {
      onReason: 'KubeletHasDiskPressure', onMessage: 'kubelet has disk pressure', onEvent: 'NodeHasDiskPressure',
      offReason: 'KubeletHasNoDiskPressure', offMessage: 'kubelet has no disk pressure', offEvent: 'NodeHasNoDiskPressure',
    }),
    pressureSpec('PIDPressure', pressure.pid, {
      onReason: 'KubeletHasInsufficientPID', onMessage: 'kubelet has insufficient PID available', onEvent: 'NodeHasInsufficientPID',
      offReason: 'KubeletHasSufficientPID', offMessage: 'kubelet has sufficient PID available', offEvent: 'NodeHasSufficientPID',
    }),
    notReadyErrors.length === 0
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', event: 'NodeReady' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: aggregateMessage(notReadyErrors), event: 'NodeNotReady' },
  ];
}

/**
 * The new condition list: the kubelet's four conditions updated in place, other conditions
 * (NetworkUnavailable, a controller's) kept as they are, missing ones appended in upstream order.
 */
export function buildConditions(previous: NodeCondition[] | undefined, inputs: ConditionInputs): { conditions: NodeCondition[]; events: NodeStatusEvent[] } {
  const now = rfc3339(inputs.now);
  const conditions = (previous ?? []).map((c) => ({ ...c }));
  const events: NodeStatusEvent[] = [];
  for (const spec of desired(inputs)) {
    const existing = conditions.find((c) => c.type === spec.type);
    const changed = existing?.status !== spec.status;
    const next: NodeCondition = {
      type: spec.type,
      status: spec.status,
      lastHeartbeatTime: now,
      lastTransitionTime: changed || !existing?.lastTransitionTime ? now : existing.lastTransitionTime,
      reason: spec.reason,
      message: spec.message,
    };
    if (changed) events.push({ type: 'Normal', reason: spec.event });
    if (existing) Object.assign(existing, next);
    else conditions.push(next);
  }
  return { conditions, events };
}
