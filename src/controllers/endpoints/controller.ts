// The endpoints controller (kube-controller-manager's "endpoint" controller): keeps, for every
// Service with a selector, an Endpoints object of the same name listing the selected pods'
// addresses, and deletes the Endpoints of deleted services. Decisions are desiredEndpoints and
// planEndpoints; this file only reads the caches and writes.
import { isStatusError } from '../../api/errors.ts';
import type { Endpoints, Pod, Service } from '../../api/core/index.ts';
import type { ResourceClient } from '../../apiserver/client.ts';
import { desiredEndpoints } from './desired.ts';
import { planEndpoints } from './plan.ts';
import { selectedPods, serviceKey } from './pod_endpoint.ts';
import { runServiceQueue } from './service_queue.ts';
import { TriggerTimeTracker } from './trigger_time.ts';

export interface EndpointsControllerDeps {
  services: ResourceClient<Service>;
  pods: ResourceClient<Pod>;
  endpoints: ResourceClient<Endpoints>;
  signal: AbortSignal;
  /** Change batching before a sync round (default 50 ms). */
  batchMs?: number;
  log?: (msg: string) => void;
}

/** Annotation upstream's leader election puts on Endpoints locks; those are never ours. */
const leaderAnnotation = 'control-plane.alpha.kubernetes.io/leader';

export function runEndpointsController(d: EndpointsControllerDeps): void {
  const tracker = new TriggerTimeTracker();
  /** Highest revision this controller wrote; a sync first waits until the cache has it. */
  let written = 0;
  const noteWrite = (obj: Endpoints | undefined) => {
    const rv = Number(obj?.metadata.resourceVersion);
    if (rv > written) written = rv;
  };

  const sync = async (key: string) => {
    const slash = key.indexOf('/');
    const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
    if (d.endpoints.cache.revision() < written) await d.endpoints.cache.waitForRevision(written, d.signal);
    const service = d.services.cache.get(ns, name);
    const current = d.endpoints.cache.get(ns, name);
    if (!service) {
      tracker.forget(key);
      if (!current || current.metadata.annotations?.[leaderAnnotation] !== undefined) return;
      try {
        await d.endpoints.delete(ns, name, { preconditions: { uid: current.metadata.uid } });
      } catch (e) {
        if (!isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) throw e;
      }
      return;
    }
    const pods = d.pods.cache.list(ns).items;
    const subsets = desiredEndpoints(service, pods);
    if (!subsets) return;
    const triggerTime = tracker.compute(key, service, selectedPods(service, pods));
    const plan = planEndpoints(service, current, subsets, triggerTime);
    if (plan.action === 'create') {
      noteWrite(await d.endpoints.create(ns, plan.object));
    } else if (plan.action === 'update') {
      // Planned from the cached copy; re-planned against the stored one in case it is newer.
      noteWrite(
        await d.endpoints.guaranteedUpdate(ns, name, (stored) => {
          const p = planEndpoints(service, stored, subsets, triggerTime);
          return p.action === 'none' ? stored : p.object;
        }),
      );
    }
  };

  runServiceQueue({
    services: d.services.cache,
    pods: d.pods.cache,
    // As upstream, only deletions: an Endpoints removed by someone else is put back. Others'
    // Endpoints without a Service are left alone until the service is deleted (or we restart).
    also: { cache: d.endpoints.cache, keysOf: (ep, type) => (type === 'DELETED' ? [serviceKey(ep)] : []) },
    signal: d.signal,
    sync,
    // Leftover Endpoints of services deleted while we were not running.
    initialKeys: d.endpoints.cache.list().items.map(serviceKey),
    batchMs: d.batchMs,
    log: d.log,
  });
}
