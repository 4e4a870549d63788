// The last-change trigger time of a service's endpoints (upstream's TriggerTimeTracker): the
// earliest change, since the previous sync of that service, among the service itself (its
// creation time) and its pods (their Ready condition's last transition). Nothing changed
// means no trigger time, and the annotation is cleared on the next write, as upstream does.
import type { Pod, Service } from '../../api/core/index.ts';
import { podReadyTransitionTime } from './pod_endpoint.ts';

interface ServiceState {
  service: number;
  pods: Map<string, number>;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /** Records what this sync sees and returns the earliest change since the last one. */
  compute(key: string, service: Service, pods: readonly Pod[]): Date | undefined {
    const last = this.states.get(key);
    let earliest: number | undefined;
    const consider = (t: number, before: number | undefined) => {
      if (before !== undefined && t <= before) return;
      if (earliest === undefined || t < earliest) earliest = t;
    };
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = podReadyTransitionTime(pod)?.getTime();
      if (t === undefined) continue;
      podTimes.set(pod.metadata.name ?? '', t);
      consider(t, last?.pods.get(pod.metadata.name ?? ''));
    }
    const created = service.metadata.creationTimestamp ? new Date(service.metadata.creationTimestamp).getTime() : NaN;
    const serviceTime = Number.isNaN(created) ? 0 : created;
    if (serviceTime) consider(serviceTime, last?.service);
    this.states.set(key, { service: serviceTime, pods: podTimes });
    return earliest === undefined ? undefined : new Date(earliest);
  }

  /** Drops a deleted service's state. */
  forget(key: string): void {
    this.states.delete(key);
  }
}

/** The annotation's value: RFC 3339 with nanoseconds trimmed as Go's RFC3339Nano does. */
export function formatTriggerTime(t: Date): string {
  return t.toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}
