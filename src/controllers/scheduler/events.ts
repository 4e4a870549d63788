// The scheduler's Events (core/v1 shape, as kubectl describe shows them) and the pod
// condition it writes when a pod cannot be placed.
import { randomBytes } from 'node:crypto';
import type { Event, Pod, PodCondition } from '../../api/core/index.ts';
import { rfc3339, rfc3339Micro } from '../../api/object.ts';

export const schedulerName = 'default-scheduler';

export interface SchedulerEventInput {
  pod: Pod;
  type: 'Normal' | 'Warning';
  reason: 'Scheduled' | 'FailedScheduling';
  message: string;
  now: Date;
  /** Upstream: "default-scheduler-<hostname>". */
  reportingInstance: string;
}

/** Upstream names events "<object>.<hex nanoseconds>"; a random tail keeps same-instant names apart. */
function eventName(podName: string, now: Date): string {
  return `${podName}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(randomBytes(2).readUInt16BE())).toString(16)}`;
}

export function schedulerEvent(e: SchedulerEventInput): Event {
  const ts = rfc3339(e.now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(e.pod.metadata.name!, e.now), namespace: e.pod.metadata.namespace },
    involvedObject: {
      kind: 'Pod',
      apiVersion: 'v1',
      namespace: e.pod.metadata.namespace,
      name: e.pod.metadata.name,
      uid: e.pod.metadata.uid,
      resourceVersion: e.pod.metadata.resourceVersion,
    },
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: { component: schedulerName },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    eventTime: rfc3339Micro(e.now),
    action: e.reason === 'Scheduled' ? 'Binding' : 'Scheduling',
    reportingComponent: schedulerName,
    reportingInstance: e.reportingInstance,
  };
}

/** The same event seen again: bump its count and last time (what upstream's aggregation shows as "x3 over 2m"). */
export function repeatEvent(event: Event, now: Date): Event {
  return { ...event, count: (event.count ?? 1) + 1, lastTimestamp: rfc3339(now) };
}

/**
 * The pod with PodScheduled=False/Unschedulable and the message, or undefined when it already
 * says exactly that (so a repeated failure writes nothing).
 */
export function withUnschedulableCondition(pod: Pod, message: string, now: Date): Pod | undefined {
  const conditions = pod.status?.conditions ?? [];
  const current = conditions.find((c) => c?.type === 'PodScheduled');
  if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return undefined;
  const next: PodCondition = {
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(now),
    reason: 'Unschedulable',
    message,
  };
  const out = structuredClone(pod);
  out.status = { ...(out.status ?? {}), conditions: current ? conditions.map((c) => (c === current ? next : c)) : [...conditions, next] };
  out.status.phase ??= 'Pending';
  return out;
}
