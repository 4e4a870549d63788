// Whether and how a Service's Endpoints object must change: compares what is stored with the
// desired subsets and labels, and builds the object to write (upstream writes only when the
// subsets, the labels or the over-capacity annotation differ). Pure.
import { isDeepStrictEqual } from 'node:util';
import type { Endpoints, EndpointSubset, Service } from '../../api/core/index.ts';
import { maxEndpointsCapacity, overCapacityAnnotation, truncateSubsets } from './desired.ts';
import { headlessLabel, isHeadless, lastChangeTriggerTimeAnnotation } from './pod_endpoint.ts';
import { formatTriggerTime } from './trigger_time.ts';

export type EndpointsPlan = { action: 'none' } | { action: 'create' | 'update'; object: Endpoints };

function withoutKey(map: Record<string, string> | undefined, key: string): Record<string, string> {
  const { [key]: _dropped, ...rest } = map ?? {};
  return rest;
}

/** The labels the Endpoints carries: the service's, plus the headless marker when headless. */
export function endpointsLabels(service: Service): Record<string, string> {
  const labels = withoutKey(service.metadata.labels, headlessLabel);
  if (isHeadless(service)) labels[headlessLabel] = '';
  return labels;
}

/**
 * The write that brings `current` (undefined: none stored) to `subsets`; triggerTime is the
 * tracker's answer for this sync (undefined clears the annotation on write).
 */
export function planEndpoints(service: Service, current: Endpoints | undefined, subsets: EndpointSubset[], triggerTime?: Date): EndpointsPlan {
  const { subsets: capped, truncated } = truncateSubsets(subsets, maxEndpointsCapacity);
  const labels = endpointsLabels(service);
  if (current) {
    const same =
      isDeepStrictEqual(current.subsets ?? [], capped) &&
      isDeepStrictEqual(withoutKey(current.metadata.labels, headlessLabel), withoutKey(labels, headlessLabel)) &&
      (overCapacityAnnotation in (current.metadata.annotations ?? {})) === truncated;
    if (same) return { action: 'none' };
  }
  const object: Endpoints = current
    ? structuredClone(current)
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: service.metadata.name, namespace: service.metadata.namespace } };
  const annotations = { ...(object.metadata.annotations ?? {}) };
  if (triggerTime) annotations[lastChangeTriggerTimeAnnotation] = formatTriggerTime(triggerTime);
  else delete annotations[lastChangeTriggerTimeAnnotation];
  if (truncated) annotations[overCapacityAnnotation] = 'truncated';
  else delete annotations[overCapacityAnnotation];
  object.metadata.annotations = annotations;
  if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  object.metadata.labels = labels;
  if (capped.length) object.subsets = capped;
  else delete object.subsets;
  return { action: current ? 'update' : 'create', object };
}
