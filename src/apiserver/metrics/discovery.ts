// How the Metrics API appears in discovery: group metrics.k8s.io, version v1beta1, with nodes
// (cluster scope, NodeMetrics) and pods (namespaced, PodMetrics), get and list only.
import type { ResourceInfo } from '../registry/resources.ts';

export const metricsGroup = 'metrics.k8s.io';
export const metricsVersion = 'v1beta1';

// Never stored: served from the scraper's memory.
export const metricsResources: ResourceInfo[] = [
  { group: metricsGroup, version: metricsVersion, resource: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], virtual: true },
  { group: metricsGroup, version: metricsVersion, resource: 'pods', singular: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], virtual: true },
];

export function findMetricsResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return metricsResources.find((r) => r.group === group && r.version === version && r.resource === resource);
}
