// The EndpointSlice reconciler (upstream's endpointslice Reconciler, trimmed to one address
// type): given a Service, its namespace's pods and the slices this controller manages for it,
// which slices to create, update and delete. Endpoints are grouped by their resolved port set,
// at most maxEndpointsPerSlice per slice; existing slices are kept and updated in place where
// possible, new endpoints go into slices already being written before new slices are made,
// and a slice that would be deleted is reused for one that would be created. A service with
// no endpoints keeps one empty "placeholder" slice. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { Endpoint, EndpointSlice, EndpointSlicePort, Pod, Service } from '../../api/core/index.ts';
import { lastChangeTriggerTimeAnnotation, managesEndpoints, podAddress, selectedPods, serviceIPFamily, shouldPodBeInEndpoints } from '../endpoints/pod_endpoint.ts';
import { formatTriggerTime } from '../endpoints/trigger_time.ts';
import {
  defaultMaxEndpointsPerSlice,
  endpointKey,
  newSlice,
  ownedBy,
  podEndpointPorts,
  podToEndpoint,
  portsKey,
  serviceOwnerReference,
  sliceLabels,
  type SliceToWrite,
} from './slice_meta.ts';

export interface SlicePlan {
  create: SliceToWrite[];
  update: SliceToWrite[];
  delete: EndpointSlice[];
}

export interface SliceOptions {
  maxEndpointsPerSlice?: number;
  /** Set as the last-change-trigger-time annotation on written slices; undefined clears it. */
  triggerTime?: Date;
  /** The zone of a node (topology.kubernetes.io/zone), if known. */
  zoneOf?: (nodeName: string) => string | undefined;
}

interface DesiredGroup {
  ports: EndpointSlicePort[];
  endpoints: Map<string, Endpoint>;
}

/** A copy of a slice to write, its endpoints listed. */
function toWrite(slice: EndpointSlice, endpoints?: Endpoint[]): SliceToWrite {
  const copy = structuredClone(slice);
  return { ...copy, endpoints: endpoints ?? copy.endpoints ?? [] };
}

/** Desired endpoints of the service, grouped by port set (pods in name order). */
function desiredGroups(service: Service, pods: readonly Pod[], o: SliceOptions): Map<string, DesiredGroup> {
  const family = serviceIPFamily(service);
  const groups = new Map<string, DesiredGroup>();
  const sorted = selectedPods(service, pods).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const pod of sorted) {
    // Slices carry terminating pods too, with their conditions.
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podAddress(pod, family);
    if (!ip) continue;
    const ports = podEndpointPorts(service, pod);
    const key = portsKey(ports);
    const group = groups.get(key) ?? { ports, endpoints: new Map() };
    const ep = podToEndpoint(pod, service, ip, pod.spec?.nodeName ? o.zoneOf?.(pod.spec.nodeName) : undefined);
    group.endpoints.set(endpointKey(ep), ep);
    groups.set(key, group);
  }
  return groups;
}

/** The unchanged slice that ends up fullest when n endpoints are added (getSliceToFill). */
function sliceToFill(unchanged: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  for (const s of unchanged) {
    const len = (s.endpoints ?? []).length;
    if (len + n > max) continue;
    if (!best || len > (best.endpoints ?? []).length) best = s;
  }
  return best;
}

function reconcileGroup(service: Service, existing: EndpointSlice[], desired: DesiredGroup, max: number, plan: SlicePlan, updates: Map<string, SliceToWrite>): void {
  const wanted = new Map(desired.endpoints);
  const labels = sliceLabels(service);
  const unchanged: EndpointSlice[] = [];
  const touched: SliceToWrite[] = [];
  for (const slice of existing) {
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const key = endpointKey(ep);
      const want = wanted.get(key);
      if (!want) continue;
      kept.push(want);
      if (!isDeepStrictEqual(want, ep)) changed = true;
      wanted.delete(key);
    }
    if (changed || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) plan.delete.push(slice);
      else touched.push(toWrite(slice, kept));
    } else if (!isDeepStrictEqual(slice.metadata.labels ?? {}, labels)) {
      touched.push(toWrite(slice));
    } else {
      unchanged.push(slice);
    }
  }
  const remaining = [...wanted.values()];
  // Slices being written anyway take new endpoints first.
  for (const s of touched) while (remaining.length && s.endpoints.length < max) s.endpoints.push(remaining.shift()!);
  for (const s of touched) updates.set(s.metadata.name!, s);
  while (remaining.length) {
    const fill = remaining.length < max ? sliceToFill(unchanged, remaining.length, max) : undefined;
    let target: SliceToWrite;
    if (fill) {
      unchanged.splice(unchanged.indexOf(fill), 1);
      target = toWrite(fill);
      updates.set(target.metadata.name!, target);
    } else {
      target = newSlice(service, serviceIPFamily(service), structuredClone(desired.ports));
      plan.create.push(target);
    }
    while (remaining.length && target.endpoints.length < max) target.endpoints.push(remaining.shift()!);
  }
}

/** A slice written for the service: its labels, owner and trigger-time annotation brought up to date. */
function stamp(slice: EndpointSlice, service: Service, triggerTime: Date | undefined): EndpointSlice {
  slice.metadata.labels = sliceLabels(service);
  const owners = (slice.metadata.ownerReferences ?? []).filter((r) => !r.controller);
  slice.metadata.ownerReferences = [serviceOwnerReference(service), ...owners];
  const annotations = { ...(slice.metadata.annotations ?? {}) };
  if (triggerTime) annotations[lastChangeTriggerTimeAnnotation] = formatTriggerTime(triggerTime);
  else delete annotations[lastChangeTriggerTimeAnnotation];
  if (Object.keys(annotations).length) slice.metadata.annotations = annotations;
  else delete slice.metadata.annotations;
  return slice;
}

function isPlaceholder(slice: EndpointSlice, service: Service): boolean {
  return (
    (slice.endpoints ?? []).length === 0 &&
    (slice.ports ?? []).length === 0 &&
    slice.addressType === serviceIPFamily(service) &&
    isDeepStrictEqual(slice.metadata.labels ?? {}, sliceLabels(service)) &&
    ownedBy(slice, service)
  );
}

/**
 * What to write so that the service's slices match its pods. `existingSlices` are the slices
 * labelled as this controller's for the service; `pods` may hold any pods (only the selected
 * ones of the service's namespace count). Services this controller leaves alone (no selector,
 * ExternalName) get an empty plan.
 */
export function desiredSlices(service: Service, pods: readonly Pod[], existingSlices: readonly EndpointSlice[], o: SliceOptions = {}): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  if (!managesEndpoints(service)) return plan;
  const max = o.maxEndpointsPerSlice ?? defaultMaxEndpointsPerSlice;
  const addressType = serviceIPFamily(service);
  const live = existingSlices.filter((s) => !s.metadata.deletionTimestamp);
  // Slices of another address type or of an earlier service of that name are only deleted
  // (upstream leaves the latter to the garbage collector), never reused.
  const foreign = live.filter((s) => s.addressType !== addressType || !ownedBy(s, service));
  const mine = live.filter((s) => !foreign.includes(s));

  const desired = desiredGroups(service, pods, o);
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const s of mine) {
    const key = portsKey(s.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
  }
  const updates = new Map<string, SliceToWrite>();
  for (const [key, group] of desired) reconcileGroup(service, existingByPorts.get(key) ?? [], group, max, plan, updates);
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) plan.delete.push(...slices);

  // A service without endpoints keeps one empty slice.
  if (live.length === plan.delete.length + foreign.length && plan.create.length === 0) {
    const placeholder = plan.delete.find((s) => isPlaceholder(s, service));
    if (placeholder) plan.delete = plan.delete.filter((s) => s !== placeholder);
    else plan.create.push(newSlice(service, addressType, []));
  }
  // Reuse slices about to be deleted for slices about to be created.
  while (plan.create.length && plan.delete.length) {
    const reused = plan.delete.pop()!;
    const fresh = plan.create.pop()!;
    const { generateName: _g, ...meta } = fresh.metadata;
    updates.set(reused.metadata.name!, { ...fresh, metadata: { ...structuredClone(reused.metadata), ...meta, name: reused.metadata.name } });
  }
  plan.update = [...updates.values()];
  plan.delete.push(...foreign);
  for (const s of [...plan.create, ...plan.update]) stamp(s, service, o.triggerTime);
  return plan;
}
