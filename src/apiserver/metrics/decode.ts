// Turns one kubelet's /metrics/resource exposition into metric points, with metrics-server's
// rules: the node counts only with a timestamp, CPU and memory; a pod counts only when every
// container that reports anything reports both CPU and memory. The pod_* series are not
// needed (pod usage is the sum of its containers). Pure.
import { parseExposition, type Sample } from './parse.ts';

export interface MetricsPoint {
  /** When the kubelet measured it (ms since the epoch). */
  timestampMs: number;
  /** Cumulative CPU since start, in nanocore-seconds. */
  cpuNanoSeconds: number;
  /** Memory working set, in bytes. */
  memoryBytes: number;
}

export interface ContainerPoint extends MetricsPoint {
  name: string;
  /** When the container started (ms since the epoch); 0 when the kubelet did not say. */
  startTimeMs: number;
}

/** "namespace/name" */
export type PodKey = string;

export interface MetricsBatch {
  nodes: Map<string, MetricsPoint>;
  pods: Map<PodKey, Map<string, ContainerPoint>>;
}

export const podKey = (namespace: string, name: string): PodKey => `${namespace}/${name}`;

export function emptyBatch(): MetricsBatch {
  return { nodes: new Map(), pods: new Map() };
}

function containerOf(pods: MetricsBatch['pods'], s: Sample): ContainerPoint {
  const key = podKey(s.labels.namespace ?? '', s.labels.pod ?? '');
  let pod = pods.get(key);
  if (!pod) pods.set(key, (pod = new Map()));
  const name = s.labels.container ?? '';
  let c = pod.get(name);
  if (!c) pod.set(name, (c = { name, timestampMs: 0, cpuNanoSeconds: 0, memoryBytes: 0, startTimeMs: 0 }));
  return c;
}

/**
 * Decodes an exposition scraped from node `nodeName` at `scrapedAtMs` (the timestamp used for
 * samples that carry none). Throws ExpositionError on malformed text.
 */
export function decodeResourceMetrics(text: string, nodeName: string, scrapedAtMs: number): MetricsBatch {
  const node: MetricsPoint = { timestampMs: 0, cpuNanoSeconds: 0, memoryBytes: 0 };
  const pods: MetricsBatch['pods'] = new Map();
  for (const s of parseExposition(text)) {
    const ts = s.timestampMs ?? scrapedAtMs;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total':
        node.cpuNanoSeconds = Math.round(s.value * 1e9);
        node.timestampMs = ts;
        break;
      case 'node_memory_working_set_bytes':
        node.memoryBytes = Math.round(s.value);
        node.timestampMs = ts;
        break;
      case 'container_cpu_usage_seconds_total': {
        const c = containerOf(pods, s);
        c.cpuNanoSeconds = Math.round(s.value * 1e9);
        c.timestampMs = ts;
        break;
      }
      case 'container_memory_working_set_bytes': {
        const c = containerOf(pods, s);
        c.memoryBytes = Math.round(s.value);
        c.timestampMs = ts;
        break;
      }
      case 'container_start_time_seconds':
        containerOf(pods, s).startTimeMs = Math.round(s.value * 1000);
        break;
    }
  }
  const batch = emptyBatch();
  if (node.timestampMs && node.cpuNanoSeconds && node.memoryBytes) batch.nodes.set(nodeName, node);
  for (const [key, containers] of pods) {
    // A container that is still starting has no CPU or memory yet: the pod waits for the next scrape.
    const complete = [...containers.values()].every((c) => c.cpuNanoSeconds > 0 && c.memoryBytes > 0 && c.timestampMs > 0);
    if (complete && containers.size) batch.pods.set(key, containers);
  }
  return batch;
}
