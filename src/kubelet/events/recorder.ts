// Pod events, aggregated as upstream's event correlator does for the common case: the same
// reason and message about the same object within 10 minutes bumps count and lastTimestamp
// of one Event instead of creating another.
import { randomBytes } from 'node:crypto';
import type { Event } from '../../api/core/index.ts';
import { rfc3339 } from '../../api/object.ts';
import type { ApiClient } from '../client/client.ts';
import type { Clock } from '../clock.ts';
import type { PodEventRecorder, PodRef } from '../kuberuntime/deps.ts';
import type { Logger } from '../log.ts';
import type { EventRateLimiter } from './ratelimit.ts';

const aggregateWindowMs = 10 * 60_000;
/** Repeats of one event update the API at most this often. */
const patchEveryMs = 5_000;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstAt: number;
  lastPatch: number;
  created: Promise<unknown>;
}

/** Without a limiter, writes go out at once (tests); the kubelet passes its eventRecordQPS limiter. */
export function createPodEventRecorder(api: ApiClient | undefined, nodeName: string, clock: Clock, log: Logger, limiter?: EventRateLimiter): PodEventRecorder {
  const submit = (what: string, send: () => Promise<unknown>): Promise<void> =>
    new Promise((resolve) => {
      const run = () => send().then(() => resolve(), (e) => (log.error(`Unable to ${what} event`, e), resolve()));
      if (!limiter) return void run();
      if (!limiter.submit(run)) {
        log.error('Event dropped: too many events waiting for the event rate limit', undefined, { queued: limiter.queued });
        resolve();
      }
    });
  const seen = new Map<string, Seen>();
  return {
    event(pod: PodRef, type, reason, message, fieldPath) {
      // As upstream's event broadcaster, which logs events at V(3).
      log.v(3).info('Event occurred', { object: `${pod.namespace}/${pod.name}`, fieldPath, kind: 'Pod', type, reason, message });
      if (!api) return;
      const now = clock.now();
      const key = `${pod.uid}\x00${fieldPath ?? ''}\x00${type}\x00${reason}\x00${message}`;
      const prev = seen.get(key);
      if (prev && now.getTime() - prev.firstAt < aggregateWindowMs) {
        prev.count++;
        if (now.getTime() - prev.lastPatch < patchEveryMs) return;
        prev.lastPatch = now.getTime();
        const patch = { count: prev.count, lastTimestamp: rfc3339(now) };
        void submit('update', () => prev.created.then(() => api.patch(`/api/v1/namespaces/${prev.namespace}/events/${prev.name}`, patch, 'merge')));
        return;
      }
      if (seen.size > 4096) seen.clear();
      const name = `${pod.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`;
      const ev: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: pod.namespace },
        involvedObject: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, apiVersion: 'v1', ...(fieldPath ? { fieldPath } : {}) },
        reason,
        message,
        type,
        source: { component: 'kubelet', host: nodeName },
        firstTimestamp: rfc3339(now),
        lastTimestamp: rfc3339(now),
        count: 1,
        reportingComponent: 'kubelet',
        reportingInstance: nodeName,
      };
      const created = submit('record', () => api.create(`/api/v1/namespaces/${pod.namespace}/events`, ev));
      seen.set(key, { name, namespace: pod.namespace, count: 1, firstAt: now.getTime(), lastPatch: now.getTime(), created });
    },
  };
}
