// The last two metric points per node and per container, and the usage they imply: CPU as the
// rate between the two points (Δ cumulative CPU / Δ time), memory as the latest working set,
// as metrics-server keeps and computes them. All pure: store() returns the next state.
import type { ContainerPoint, MetricsBatch, MetricsPoint, PodKey } from './decode.ts';

export interface PointPairs<P> {
  last: Map<string, P>;
  prev: Map<string, P>;
}

export interface MetricsState {
  nodes: PointPairs<MetricsPoint>;
  pods: { last: Map<PodKey, Map<string, ContainerPoint>>; prev: Map<PodKey, Map<string, ContainerPoint>> };
}

export interface Usage {
  /** Nanocores. */
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface TimeInfo {
  /** When the later point was measured (ms since the epoch). */
  timestampMs: number;
  /** Time between the two points, in ms. */
  windowMs: number;
}

export interface NodeUsage extends Usage, TimeInfo {}

export interface PodUsage extends TimeInfo {
  containers: Array<Usage & { name: string }>;
}

/**
 * A container this young (measured within one resolution of its start, but at least this long
 * after it) gets its start as the earlier point, so that it shows usage after one scrape.
 */
export const freshContainerMinResolutionMs = 10_000;

export function emptyState(): MetricsState {
  return { nodes: { last: new Map(), prev: new Map() }, pods: { last: new Map(), prev: new Map() } };
}

/** The previous point to keep beside a new one: the stored last if the new one is newer, else the stored previous if it is older. */
function previousFor<P extends MetricsPoint>(next: P, last: P | undefined, prev: P | undefined): P | undefined {
  if (!last) return undefined;
  if (next.timestampMs > last.timestampMs) return last;
  if (prev && prev.timestampMs < next.timestampMs) return prev;
  return undefined;
}

export function storeNodes(state: MetricsState['nodes'], batch: MetricsBatch['nodes']): MetricsState['nodes'] {
  const last = new Map<string, MetricsPoint>();
  const prev = new Map<string, MetricsPoint>();
  for (const [name, point] of batch) {
    last.set(name, point);
    const p = previousFor(point, state.last.get(name), state.prev.get(name));
    if (p) prev.set(name, p);
  }
  return { last, prev };
}

export function storePods(state: MetricsState['pods'], batch: MetricsBatch['pods'], resolutionMs: number): MetricsState['pods'] {
  const last: MetricsState['pods']['last'] = new Map();
  const prev: MetricsState['pods']['prev'] = new Map();
  for (const [key, containers] of batch) {
    const prevContainers = new Map<string, ContainerPoint>();
    for (const [name, c] of containers) {
      const age = c.timestampMs - c.startTimeMs;
      const stored = state.last.get(key)?.get(name);
      if (c.startTimeMs && age > 0 && age < resolutionMs && age >= freshContainerMinResolutionMs) {
        prevContainers.set(name, { ...c, timestampMs: c.startTimeMs, cpuNanoSeconds: 0 });
      } else if (stored && c.startTimeMs < stored.timestampMs) {
        // Same container as before (it started before the stored point); a restart resets the rate.
        const p = previousFor(c, stored, state.prev.get(key)?.get(name));
        if (p) prevContainers.set(name, p);
      }
    }
    last.set(key, containers);
    if (prevContainers.size) prev.set(key, prevContainers);
  }
  return { last, prev };
}

export function store(state: MetricsState, batch: MetricsBatch, resolutionMs: number): MetricsState {
  return { nodes: storeNodes(state.nodes, batch.nodes), pods: storePods(state.pods, batch.pods, resolutionMs) };
}

/** Usage between two points of one node or container; undefined when they cannot be compared. */
export function usageBetween(last: MetricsPoint & { startTimeMs?: number }, prev: MetricsPoint & { startTimeMs?: number }): (Usage & TimeInfo) | undefined {
  if ((last.startTimeMs ?? 0) < (prev.startTimeMs ?? 0)) return undefined;
  if (last.cpuNanoSeconds < prev.cpuNanoSeconds) return undefined;
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0) return undefined;
  return {
    cpuNanoCores: Math.floor(((last.cpuNanoSeconds - prev.cpuNanoSeconds) * 1000) / windowMs),
    memoryBytes: last.memoryBytes,
    timestampMs: last.timestampMs,
    windowMs,
  };
}

export function nodeUsage(state: MetricsState, node: string): NodeUsage | undefined {
  const last = state.nodes.last.get(node);
  const prev = state.nodes.prev.get(node);
  return last && prev ? usageBetween(last, prev) : undefined;
}

/** A pod's usage when every one of its containers has two points; its time is its earliest container's. */
export function podUsage(state: MetricsState, key: PodKey): PodUsage | undefined {
  const last = state.pods.last.get(key);
  const prev = state.pods.prev.get(key);
  if (!last || !prev) return undefined;
  const containers: PodUsage['containers'] = [];
  let time: TimeInfo | undefined;
  for (const [name, l] of last) {
    const p = prev.get(name);
    if (!p) return undefined;
    const u = usageBetween(l, p);
    if (!u) continue;
    containers.push({ name, cpuNanoCores: u.cpuNanoCores, memoryBytes: u.memoryBytes });
    if (!time || u.timestampMs < time.timestampMs) time = { timestampMs: u.timestampMs, windowMs: u.windowMs };
  }
  return time ? { ...time, containers } : undefined;
}
