// The EndpointSlice controller (kube-controller-manager's "endpointslice" controller): keeps
// each selector Service's discovery.k8s.io/v1 EndpointSlices in step with its pods, and
// deletes the slices of deleted services (there is no garbage collector here to follow the
// owner references). desiredSlices decides; this file reads the caches and writes.
import { isStatusError } from '../../api/errors.ts';
import type { EndpointSlice, Node, Pod, Service } from '../../api/core/index.ts';
import type { ResourceClient } from '../../apiserver/client.ts';
import { selectedPods } from '../endpoints/pod_endpoint.ts';
import { runServiceQueue } from '../endpoints/service_queue.ts';
import { TriggerTimeTracker } from '../endpoints/trigger_time.ts';
import { desiredSlices } from './reconcile.ts';
import { controllerName, managedByLabel, serviceNameLabel } from './slice_meta.ts';

export interface EndpointSliceControllerDeps {
  services: ResourceClient<Service>;
  pods: ResourceClient<Pod>;
  endpointSlices: ResourceClient<EndpointSlice>;
  /** For endpoint zones (topology.kubernetes.io/zone); optional. */
  nodes?: ResourceClient<Node>;
  signal: AbortSignal;
  maxEndpointsPerSlice?: number;
  /** Change batching before a sync round (default 50 ms). */
  batchMs?: number;
  log?: (msg: string) => void;
}

/** The service key a slice belongs to, when this controller manages it. */
function managedSliceKeys(slice: EndpointSlice): string[] {
  const labels = slice.metadata.labels ?? {};
  const service = labels[serviceNameLabel];
  return service && labels[managedByLabel] === controllerName ? [`${slice.metadata.namespace ?? ''}/${service}`] : [];
}

export function runEndpointSliceController(d: EndpointSliceControllerDeps): void {
  const tracker = new TriggerTimeTracker();
  /** Highest revision this controller wrote; a sync first waits until the cache has it. */
  let written = 0;
  const noteWrite = (obj: EndpointSlice) => {
    const rv = Number(obj.metadata.resourceVersion);
    if (rv > written) written = rv;
  };
  const zoneOf = (node: string) => d.nodes?.cache.get('', node)?.metadata.labels?.['topology.kubernetes.io/zone'];

  const slicesOf = (ns: string, name: string) => d.endpointSlices.cache.list(ns).items.filter((s) => managedSliceKeys(s)[0] === `${ns}/${name}`);

  const remove = async (slice: EndpointSlice) => {
    try {
      await d.endpointSlices.delete(slice.metadata.namespace ?? '', slice.metadata.name!, { preconditions: { uid: slice.metadata.uid } });
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  };

  const sync = async (key: string) => {
    const slash = key.indexOf('/');
    const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
    // Never plan from a cache that has not seen our own last write (it would duplicate slices).
    if (d.endpointSlices.cache.revision() < written) await d.endpointSlices.cache.waitForRevision(written, d.signal);
    const service = d.services.cache.get(ns, name);
    if (!service) {
      tracker.forget(key);
      for (const slice of slicesOf(ns, name)) await remove(slice);
      return;
    }
    const pods = d.pods.cache.list(ns).items;
    const existing = slicesOf(ns, name);
    const triggerTime = tracker.compute(key, service, selectedPods(service, pods));
    const plan = desiredSlices(service, pods, existing, { maxEndpointsPerSlice: d.maxEndpointsPerSlice, triggerTime, zoneOf: d.nodes ? zoneOf : undefined });
    // Creates and updates before deletes, so a service never shows fewer endpoints than it has.
    for (const slice of plan.create) noteWrite(await d.endpointSlices.create(ns, slice));
    for (const slice of plan.update) {
      const rv = slice.metadata.resourceVersion;
      // Planned from the cached copy: a newer stored one is a conflict; the retry re-plans.
      noteWrite(await d.endpointSlices.guaranteedUpdate(ns, slice.metadata.name!, () => ({ ...slice, metadata: { ...slice.metadata, resourceVersion: rv } })));
    }
    for (const slice of plan.delete) await remove(slice);
  };

  runServiceQueue({
    services: d.services.cache,
    pods: d.pods.cache,
    also: { cache: d.endpointSlices.cache, keysOf: managedSliceKeys },
    signal: d.signal,
    sync,
    // Slices of services deleted while we were not running.
    initialKeys: d.endpointSlices.cache.list().items.flatMap(managedSliceKeys),
    batchMs: d.batchMs,
    log: d.log,
  });
}
