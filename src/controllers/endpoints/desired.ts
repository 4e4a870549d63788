// The subsets a Service's Endpoints should hold, given the pods (upstream's endpoints
// controller syncService plus RepackSubsets): one address per pod of the service's IP family,
// ready or not ready, per resolved port; then ports offered by the same set of addresses
// share a subset. Pure; sorted so that equal inputs give equal output.
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from '../../api/core/index.ts';
import {
  endpointPort,
  findPort,
  isHeadless,
  isPodReady,
  managesEndpoints,
  podAddress,
  podReference,
  selectedPods,
  serviceIPFamily,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pod_endpoint.ts';

/** Upstream's cap on addresses in one Endpoints object; beyond it the object is truncated. */
export const maxEndpointsCapacity = 1000;
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';

function toAddress(pod: Pod, service: Service, ip: string): EndpointAddress {
  const a: EndpointAddress = { ip, targetRef: podReference(pod) };
  if (shouldSetHostname(pod, service)) a.hostname = pod.spec.hostname;
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  return a;
}

// Every address built here refers to its pod (targetRef and its uid are always set).
const podUID = (a: EndpointAddress) => a.targetRef?.uid ?? '';
const addressKey = (a: EndpointAddress) => JSON.stringify([a.ip, a.hostname ?? '', a.nodeName ?? '', podUID(a), a.targetRef?.name]);
const portKey = (p: EndpointPort) => JSON.stringify([p.name ?? '', p.port, p.protocol, p.appProtocol ?? '']);

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : podUID(a) < podUID(b) ? -1 : podUID(a) > podUID(b) ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const [x, y] = [portKey(a), portKey(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A port of no number stands for "addresses without ports" (headless services without ports). */
const noPort = '';

/**
 * The subsets of the service's Endpoints, or undefined when this controller leaves the
 * service's Endpoints alone (no selector, or ExternalName). `pods` may hold any pods: those
 * of other namespaces or not selected are ignored.
 */
export function desiredEndpoints(service: Service, pods: readonly Pod[]): EndpointSubset[] | undefined {
  if (!managesEndpoints(service)) return undefined;
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const family = serviceIPFamily(service);
  const servicePorts = service.spec?.ports ?? [];
  const addresses = new Map<string, { address: EndpointAddress; ready: boolean }>();
  const ports = new Map<string, EndpointPort>();
  /** port key → address keys offering it */
  const offered = new Map<string, Set<string>>();
  const offer = (pk: string, ak: string) => {
    const set = offered.get(pk);
    if (set) set.add(ak);
    else offered.set(pk, new Set([ak]));
  };

  for (const pod of selectedPods(service, pods)) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podAddress(pod, family);
    if (!ip) continue;
    const address = toAddress(pod, service, ip);
    const ak = addressKey(address);
    const entry = { address, ready: publishNotReady || isPodReady(pod) };
    if (servicePorts.length === 0) {
      // Only headless services get port-less endpoints.
      if (!isHeadless(service)) continue;
      addresses.set(ak, entry);
      offer(noPort, ak);
      continue;
    }
    for (const sp of servicePorts) {
      const number = findPort(pod, sp);
      if (number === undefined) continue;
      const port = endpointPort(sp, number, false);
      const pk = portKey(port);
      ports.set(pk, port);
      addresses.set(ak, entry);
      offer(pk, ak);
    }
  }

  // Ports offered by the very same addresses share a subset.
  const groups = new Map<string, { addressKeys: string[]; ports: EndpointPort[] }>();
  for (const [pk, set] of offered) {
    const addressKeys = [...set].sort();
    const gk = JSON.stringify(addressKeys);
    const group = groups.get(gk) ?? { addressKeys, ports: [] };
    if (pk !== noPort) group.ports.push(ports.get(pk)!);
    groups.set(gk, group);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const entries = g.addressKeys.map((k) => addresses.get(k)!);
    const ready = entries.filter((e) => e.ready).map((e) => e.address).sort(compareAddresses);
    const notReady = entries.filter((e) => !e.ready).map((e) => e.address).sort(compareAddresses);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (g.ports.length) subset.ports = g.ports.sort(comparePorts);
    subsets.push(subset);
  }
  return subsets.sort((a, b) => {
    const [x, y] = [JSON.stringify([a.ports ?? [], a.addresses?.[0]?.ip ?? '', a.notReadyAddresses?.[0]?.ip ?? '']), JSON.stringify([b.ports ?? [], b.addresses?.[0]?.ip ?? '', b.notReadyAddresses?.[0]?.ip ?? ''])];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * Caps the addresses at maxEndpointsCapacity as upstream does: not-ready addresses go first;
 * if the ready ones alone are too many, every not-ready one goes and the ready ones are cut
 * in proportion per subset. Returns the subsets and whether anything was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = maxEndpointsCapacity): { subsets: EndpointSubset[]; truncated: boolean } {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  if (ready + notReady <= max) return { subsets, truncated: false };
  const cutReady = ready > max;
  const room = cutReady ? max : max - ready;
  const total = cutReady ? ready : notReady;
  let left = room;
  const out = subsets.map((s) => {
    const list = (cutReady ? s.addresses : s.notReadyAddresses) ?? [];
    const share = Math.min(left, Math.ceil((list.length / total) * room));
    const kept = list.slice(0, share);
    left -= kept.length;
    const next: EndpointSubset = { ...s };
    if (cutReady) {
      next.addresses = kept;
      delete next.notReadyAddresses;
    } else {
      next.notReadyAddresses = kept;
    }
    for (const k of ['addresses', 'notReadyAddresses'] as const) if (next[k]?.length === 0) delete next[k];
    return next;
  });
  return { subsets: out, truncated: true };
}
