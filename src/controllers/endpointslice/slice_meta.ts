// The pieces of an EndpointSlice the controller builds from a Service and a Pod (upstream's
// endpointslice utils): one endpoint per pod with its conditions, the pod's resolved ports,
// the slice labels and owner reference, and a fresh slice to fill.
import type { Endpoint, EndpointSlice, EndpointSlicePort, Pod, Service } from '../../api/core/index.ts';
import type { OwnerReference } from '../../api/object.ts';
import {
  endpointPort,
  findPort,
  headlessLabel,
  isHeadless,
  isPodReady,
  podReference,
  shouldSetHostname,
  type IPFamily,
} from '../endpoints/pod_endpoint.ts';

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
/** Upstream's default --max-endpoints-per-slice. */
export const defaultMaxEndpointsPerSlice = 100;

/**
 * podToEndpoint: `serving` is the pod's readiness, also while terminating; `ready` is serving
 * and not terminating, or always true with publishNotReadyAddresses.
 */
export function podToEndpoint(pod: Pod, service: Service, ip: string, zone?: string): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = { addresses: [ip], conditions: { ready, serving, terminating }, targetRef: podReference(pod) };
  if (shouldSetHostname(pod, service)) ep.hostname = pod.spec.hostname;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (zone) ep.zone = zone;
  return ep;
}

/** getEndpointPorts: the service ports this pod serves, resolved; names kept even when empty. */
export function podEndpointPorts(service: Service, pod: Pod): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const number = findPort(pod, sp);
    if (number !== undefined) out.push(endpointPort(sp, number, true));
  }
  return out;
}

/** Identity of a port set, independent of order. */
export function portsKey(ports: readonly EndpointSlicePort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? ''])).sort());
}

/** Identity of an endpoint across syncs: its addresses, hostname and pod (upstream's hash). */
export function endpointKey(ep: Endpoint): string {
  return JSON.stringify([ep.addresses, ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** The service's labels (but the reserved ones), service-name, managed-by, headless marker. */
export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.labels ?? {})) {
    if (k !== serviceNameLabel && k !== managedByLabel && k !== headlessLabel) labels[k] = v;
  }
  labels[serviceNameLabel] = service.metadata.name ?? '';
  labels[managedByLabel] = controllerName;
  if (isHeadless(service)) labels[headlessLabel] = '';
  return labels;
}

export function serviceOwnerReference(service: Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: service.metadata.name ?? '', uid: service.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** True when the slice's controller reference is this very service (same UID). */
export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === 'Service' && r.uid === service.metadata.uid);
}

/** A slice the controller writes: its endpoints always listed. */
export type SliceToWrite = EndpointSlice & { endpoints: Endpoint[] };

/** A new, empty slice for the service: named by the server from `<service>-`. */
export function newSlice(service: Service, addressType: IPFamily, ports: EndpointSlicePort[]): SliceToWrite {
  // Upstream falls back to "slice-" when "<service>-" is no valid name prefix; service names always are.
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace,
      labels: sliceLabels(service),
      ownerReferences: [serviceOwnerReference(service)],
    },
    addressType,
    endpoints: [],
    ports,
  };
}
