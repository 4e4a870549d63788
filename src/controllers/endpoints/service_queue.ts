// The work queue both endpoint controllers run on: watches Services and Pods (and any other
// caches the caller names) in the API server's watch caches, turns each change into the keys
// ("namespace/name") of the services it touches, batches them briefly so a burst of pod
// updates costs one sync per service, and syncs keys one at a time, retrying failures with
// a capped backoff. A key is never synced twice at once.
import { isDeepStrictEqual } from 'node:util';
import type { Pod, Service } from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import { matchLabels, selectorFromSet } from '../../api/selectors/labels.ts';
import type { CacheEvent, ObjectCache } from '../../apiserver/client.ts';
import { managesEndpoints, serviceKey } from './pod_endpoint.ts';
import { runKeyQueue } from '../workqueue/queue.ts';

export interface WatchedCache<T extends KubeObject> {
  cache: ObjectCache<T>;
  /** Service keys a change of this cache concerns. */
  keysOf(obj: T, type: CacheEvent['type']): string[];
}

export interface ServiceQueueDeps<T extends KubeObject> {
  services: ObjectCache<Service>;
  pods: ObjectCache<Pod>;
  /** A further cache to watch, the controller's own output, to repair outside changes. */
  also?: WatchedCache<T>;
  signal: AbortSignal;
  sync(key: string): Promise<void>;
  /** Keys to sync at start besides every service (e.g. leftovers of deleted services). */
  initialKeys?: string[];
  /** How long changes are gathered before a sync round (default 50 ms). */
  batchMs?: number;
  /** Retry backoff after a failed sync: starts here, doubles, capped at maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  log?: (msg: string) => void;
}

/** The parts of a pod that can change its endpoints; changes elsewhere cost no sync. */
export function podEndpointView(pod: Pod): unknown {
  const ready = (pod.status?.conditions ?? []).find((c) => c?.type === 'Ready');
  return [
    pod.metadata.uid,
    pod.metadata.labels ?? {},
    pod.metadata.deletionTimestamp ?? '',
    pod.status?.phase ?? '',
    pod.status?.podIP ?? '',
    pod.status?.podIPs ?? [],
    ready?.status ?? '',
    ready?.lastTransitionTime ?? '',
    pod.spec?.nodeName ?? '',
    pod.spec?.hostname ?? '',
    pod.spec?.subdomain ?? '',
    [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => [c?.ports ?? [], c?.restartPolicy ?? '']),
  ];
}

export function runServiceQueue<T extends KubeObject>(d: ServiceQueueDeps<T>): void {
  const log = d.log ?? (() => {});
  const queue = runKeyQueue({
    signal: d.signal,
    sync: async (key) => void (await d.sync(key)),
    batchMs: d.batchMs,
    retryMs: d.retryMs,
    maxRetryMs: d.maxRetryMs,
    log: (key, e) => log(`endpoints: syncing service ${key}: ${e.message}`),
  });
  const add = (key: string) => queue.add(key);

  /** Services of the pod's namespace whose selector picks the pod. */
  const servicesSelecting = (pod: Pod): string[] => {
    const { items } = d.services.list(pod.metadata.namespace ?? '');
    return items.filter((s) => managesEndpoints(s) && matchLabels(selectorFromSet(s.spec?.selector), pod.metadata.labels)).map(serviceKey);
  };

  const onPods = (events: CacheEvent<Pod>[]) => {
    for (const ev of events) {
      if (ev.type === 'MODIFIED' && ev.prevObject && isDeepStrictEqual(podEndpointView(ev.prevObject), podEndpointView(ev.object))) continue;
      const keys = new Set(servicesSelecting(ev.object));
      // A pod whose labels changed may have left a service.
      if (ev.prevObject) for (const k of servicesSelecting(ev.prevObject)) keys.add(k);
      for (const k of keys) add(k);
    }
  };
  const onServices = (events: CacheEvent<Service>[]) => {
    for (const ev of events) add(serviceKey(ev.object));
  };

  d.services.watch(d.services.revision(), onServices, d.signal);
  d.pods.watch(d.pods.revision(), onPods, d.signal);
  const also = d.also;
  if (also) also.cache.watch(also.cache.revision(), (events) => events.forEach((ev) => also.keysOf(ev.object, ev.type).forEach(add)), d.signal);
  for (const svc of d.services.list().items) add(serviceKey(svc));
  for (const key of d.initialKeys ?? []) add(key);
}
