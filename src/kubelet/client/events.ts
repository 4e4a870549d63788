// Records core/v1 Events about the node, as upstream's kubelet recorder does: in namespace
// default, involvedObject kind Node with the node name as its UID, source kubelet@<node>.
import type { Event } from '../../api/core/index.ts';
import { rfc3339 } from '../../api/object.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { EventRateLimiter } from '../events/ratelimit.ts';
import { corePath, type ApiClient } from './client.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Fire and forget: a failure is logged, never thrown (events are best effort). */
  nodeEvent(type: EventType, reason: string, message: string): void;
}

/** The Event object (pure; the name is unique per node and instant, as upstream's). */
export function nodeEventObject(nodeName: string, type: EventType, reason: string, message: string, now: Date, seq = 0): Event {
  const stamp = rfc3339(now);
  const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(seq);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${nodeName}.${nanos.toString(16)}`, namespace: 'default' },
    involvedObject: { kind: 'Node', name: nodeName, uid: nodeName },
    reason,
    message,
    source: { component: 'kubelet', host: nodeName },
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: nodeName,
  };
}

export function createEventRecorder(api: ApiClient | undefined, nodeName: string, clock: Clock, log: Logger, limiter?: EventRateLimiter): EventRecorder {
  let seq = 0;
  return {
    nodeEvent(type, reason, message) {
      log.v(3).info('Event occurred', { object: nodeName, kind: 'Node', type, reason, message });
      if (!api) return;
      const ev = nodeEventObject(nodeName, type, reason, message, clock.now(), seq++);
      const send = () => api.create(corePath('events', 'default'), ev).catch((e) => log.error('Unable to record event', e, { reason }));
      if (!limiter) void send();
      else if (!limiter.submit(send)) log.error('Event dropped: too many events waiting for the event rate limit', undefined, { reason });
    },
  };
}
