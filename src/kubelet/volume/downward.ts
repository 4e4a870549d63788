// Values the downward API exposes, as upstream's fieldpath and resource helpers compute them:
// pod metadata by field path, and container resources scaled by a divisor.

import { parseQuantity, quantityMilliValue, quantityValue } from '../../api/quantity.ts';
import type { Container, Pod } from '../../api/core/index.ts';

/** Labels/annotations as upstream's FormatMap: sorted `key="quoted value"` lines, no trailing newline. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}`)
    .join('\n');
}

function subscript(fieldPath: string, prefix: string): string | undefined {
  const m = new RegExp(`^${prefix.replace('.', '\\.')}\\['(.+)'\\]$`).exec(fieldPath);
  return m ? m[1] : undefined;
}

/** The string value of a fieldRef fieldPath for the pod; throws `unsupported fieldPath: <path>`. */
export function podFieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata;
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((p) => p.ip).join(',');
  }
  const label = subscript(fieldPath, 'metadata.labels');
  if (label !== undefined) return meta.labels?.[label] ?? '';
  const annotation = subscript(fieldPath, 'metadata.annotations');
  if (annotation !== undefined) return meta.annotations?.[annotation] ?? '';
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
}

function ceilDiv(a: number, b: number): number {
  if (b === 0) throw new Error('divisor must not be zero');
  return Math.ceil(a / b);
}

/** The limits upstream's MergeContainerResourceLimits fills from node allocatable (never hugepages). */
const allocatableDefaulted = new Set(['cpu', 'memory', 'ephemeral-storage']);

/**
 * A container resource (`limits.cpu`, `requests.memory`, `limits.ephemeral-storage`,
 * `limits.hugepages-2Mi`, ...) divided by divisor and rounded up, as upstream does. A cpu,
 * memory or ephemeral-storage limit that is unset or zero is the node's allocatable amount.
 */
export function containerResourceValue(
  pod: Pod,
  containerName: string,
  resource: string,
  divisor: string | number | undefined,
  nodeAllocatable: Record<string, string | number> = {},
): string {
  const container = allContainers(pod).find((c) => c.name === containerName);
  if (!container) throw new Error(`container ${containerName} not found`);
  const dot = resource.indexOf('.');
  const kind = resource.slice(0, dot);
  const name = resource.slice(dot + 1);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) throw new Error(`unsupported container resource : ${resource}`);
  let raw = kind === 'limits' ? container.resources?.limits?.[name] : container.resources?.requests?.[name];
  const unset = raw === undefined || parseQuantity(raw).nanos === 0n;
  if (kind === 'limits' && unset && allocatableDefaulted.has(name) && nodeAllocatable[name] !== undefined) raw = nodeAllocatable[name];
  const value = parseQuantity(raw ?? 0);
  const div = parseQuantity(divisor === undefined || divisor === '' || divisor === 0 ? '1' : divisor);
  if (name === 'cpu') return String(ceilDiv(quantityMilliValue(value), quantityMilliValue(div)));
  if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) {
    return String(ceilDiv(quantityValue(value), quantityValue(div)));
  }
  throw new Error(`unsupported container resource : ${resource}`);
}
