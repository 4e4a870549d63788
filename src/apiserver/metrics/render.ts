// NodeMetrics and PodMetrics (metrics.k8s.io/v1beta1) as metrics-server renders them: CPU as a
// DecimalSI quantity of nanocores ("123456n", "12m"), memory as a BinarySI quantity of bytes
// ("123Ki"), the window as a Go duration ("15.002s"), and a meta.k8s.io Table. Pure.
import { formatDuration } from '../../api/duration.ts';
import type { Node, Pod } from '../../api/core/index.ts';
import { rfc3339, type KubeObject, type ObjectMeta } from '../../api/object.ts';
import { formatQuantity } from '../../api/quantity.ts';
import type { NodeUsage, PodUsage, Usage } from './storage.ts';

export const metricsApiVersion = 'metrics.k8s.io/v1beta1';

/** CPU and memory quantities, as metrics-server writes them. */
export interface ResourceUsage {
  cpu: string;
  memory: string;
}

/** metrics.k8s.io/v1beta1 NodeMetrics. */
export interface NodeMetrics extends KubeObject {
  timestamp: string;
  window: string;
  usage: ResourceUsage;
}

/** metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics extends KubeObject {
  timestamp: string;
  window: string;
  containers: { name: string; usage: ResourceUsage }[];
}

export function cpuQuantity(nanoCores: number): string {
  return formatQuantity({ nanos: BigInt(Math.max(0, Math.floor(nanoCores))), format: 'DecimalSI' });
}

const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Bytes as upstream prints a BinarySI quantity: below 1024 in decimal, else the largest exact power of 1024. */
export function memoryQuantity(bytes: number): string {
  let n = BigInt(Math.max(0, Math.floor(bytes)));
  if (n < 1024n) return formatQuantity({ nanos: n * 1_000_000_000n, format: 'DecimalSI' });
  let i = 0;
  while (i < binarySuffixes.length - 1 && n % 1024n === 0n) {
    n /= 1024n;
    i++;
  }
  return `${n}${binarySuffixes[i]}`;
}

function usageObject(u: Usage): ResourceUsage {
  return { cpu: cpuQuantity(u.cpuNanoCores), memory: memoryQuantity(u.memoryBytes) };
}

function metadata(obj: KubeObject, now: Date): ObjectMeta {
  return {
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    creationTimestamp: rfc3339(now),
    ...(obj.metadata.labels ? { labels: obj.metadata.labels } : {}),
  };
}

export function nodeMetrics(node: Node, u: NodeUsage, now: Date): NodeMetrics {
  return {
    metadata: metadata(node, now),
    timestamp: rfc3339(new Date(u.timestampMs)),
    window: formatDuration(u.windowMs),
    usage: usageObject(u),
  };
}

/** Containers in the pod's spec order, any others after them by name. */
export function podMetrics(pod: Pod, u: PodUsage, now: Date): PodMetrics {
  const order = new Map<string, number>((pod.spec?.containers ?? []).map((c, i) => [c.name, i]));
  const rank = (name: string) => order.get(name) ?? Number.MAX_SAFE_INTEGER;
  const containers = [...u.containers].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    metadata: metadata(pod, now),
    timestamp: rfc3339(new Date(u.timestampMs)),
    window: formatDuration(u.windowMs),
    containers: containers.map((c) => ({ name: c.name, usage: usageObject(c) })),
  };
}

export function withKind<M extends NodeMetrics | PodMetrics>(obj: M, kind: 'NodeMetrics' | 'PodMetrics'): M {
  return { kind, apiVersion: metricsApiVersion, ...obj };
}

export function metricsList(kind: 'NodeMetricsList' | 'PodMetricsList', items: (NodeMetrics | PodMetrics)[]): object {
  return { kind, apiVersion: metricsApiVersion, metadata: {}, items };
}

function sumUsage(item: NodeMetrics | PodMetrics): Record<string, number> {
  if ('usage' in item) return { cpu: cpuNanos(item.usage.cpu), memory: memBytes(item.usage.memory) };
  let cpu = 0;
  let memory = 0;
  for (const c of item.containers ?? []) {
    cpu += cpuNanos(c.usage.cpu);
    memory += memBytes(c.usage.memory);
  }
  return { cpu, memory };
}

// The rendered strings are this module's own output, so parsing back is exact.
function cpuNanos(q: string): number {
  const m = /^(\d+)([num]?)$/.exec(q);
  if (!m) return Number(q) * 1e9 || 0;
  return Number(m[1]) * ({ n: 1, u: 1e3, m: 1e6, '': 1e9 } as Record<string, number>)[m[2]];
}

function memBytes(q: string): number {
  const m = /^(\d+)(k|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) return 0;
  const scale: Record<string, number> = { k: 1000, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * (m[2] ? scale[m[2]] : 1);
}

/** The Table `kubectl get nodes.metrics.k8s.io` asks for: NAME, cpu, memory, WINDOW (as metrics-server's). */
export function metricsTable(items: (NodeMetrics | PodMetrics)[], include: 'None' | 'Metadata' | 'Object'): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      { name: 'cpu', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'memory', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
    ],
    rows: items.map((item) => {
      const u = sumUsage(item);
      const object =
        include === 'None' ? undefined : include === 'Object' ? item : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata };
      return { cells: [item.metadata.name, cpuQuantity(u.cpu), memoryQuantity(u.memory), item.window], ...(object ? { object } : {}) };
    }),
  };
}
