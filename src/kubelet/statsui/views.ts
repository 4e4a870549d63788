// What the stats UI's pages show, computed from a StatsSource: the node view (machine, gauges, a
// series over the kept history, the pod table) and the pod view (its series, each container's
// series, probes and restarts). Pure; a live update is the same view trimmed to its latest point.
import { quantityMilliValue, quantityValue, tryParseQuantity } from '../../api/quantity.ts';
import type { ContainerStatus, Pod } from '../../api/core/index.ts';
import type { ContainerRef, ContainerStats } from '../cadvisor/types.ts';
import type { StatsSource } from '../stats/types.ts';
import { describeProbes, type ProbeView } from './probes.ts';

/** One chart point: unix seconds, CPU cores, working set bytes, network bytes/s, filesystem bytes used. */
export interface Point {
  t: number;
  cpu?: number;
  mem?: number;
  rx?: number;
  tx?: number;
  fs?: number;
}

/** A filesystem observation not carried by the ref's samples (the node's, from the Summary). */
export interface FsPoint {
  t: number;
  used: number;
}

export interface Limits {
  /** Cores. */
  cpu?: number;
  /** Bytes. */
  memory?: number;
}

export interface PodRow {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  ready: number;
  containers: number;
  restarts: number;
  cpu?: number;
  mem?: number;
  memLimit?: number;
}

export interface NodeView {
  nodeName: string;
  intervalMs: number;
  storageMs: number;
  machine: { cores: number; memoryBytes: number; kernel: string; os: string; arch: string; cpuFrequencyKhz: number };
  fs?: { usedBytes: number; capacityBytes: number };
  series: Point[];
  pods: PodRow[];
}

export interface ContainerView {
  name: string;
  image: string;
  state: string;
  reason?: string;
  ready: boolean;
  started?: boolean;
  restarts: number;
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
  requests: Limits;
  limits: Limits;
  probes: ProbeView[];
  series: Point[];
}

export interface PodView {
  nodeName: string;
  intervalMs: number;
  storageMs: number;
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  podIP?: string;
  qosClass?: string;
  startTime?: string;
  conditions: { type: string; status: string }[];
  /** The machine's cores and memory: what a pod without limits is measured against. */
  capacity: { cpu: number; memory: number };
  limits: Limits;
  series: Point[];
  containers: ContainerView[];
}

const sum = (xs: (number | undefined)[]): number | undefined => (xs.some((x) => x !== undefined) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : undefined);

/** The chart point of one sample (rates absent on a series' first sample). */
export function pointOf(s: ContainerStats): Point {
  const p: Point = { t: s.timestamp.getTime() / 1000, mem: s.memory.workingSetBytes };
  if (s.cpu.usageNanoCores !== undefined) p.cpu = s.cpu.usageNanoCores / 1e9;
  if (s.network) {
    const rx = sum(s.network.interfaces.map((i) => i.rxBytesPerSecond));
    const tx = sum(s.network.interfaces.map((i) => i.txBytesPerSecond));
    if (rx !== undefined) p.rx = rx;
    if (tx !== undefined) p.tx = tx;
  }
  const fs = s.fs;
  if (fs?.usage || fs?.rootfs) p.fs = (fs.usage?.usedBytes ?? 0) + (fs.rootfs?.usedBytes ?? 0);
  else if (fs?.capacity) p.fs = fs.capacity.usedBytes;
  return p;
}

/**
 * Sets each point's fs to the sum of the sources' values observed within `toleranceS` of it: one
 * housekeeping pass samples every ref at nearly the same time, so this lines passes up.
 */
export function fillFs(series: Point[], sources: (FsPoint[] | Point[])[], toleranceS: number): Point[] {
  if (!sources.length) return series;
  return series.map((p) => {
    const values = sources.map((src) => {
      let best: number | undefined;
      let bestDt = Infinity;
      for (const q of src) {
        const v = 'used' in q ? q.used : q.fs;
        const dt = Math.abs(q.t - p.t);
        if (v !== undefined && dt <= toleranceS && dt < bestDt) {
          best = v;
          bestDt = dt;
        }
      }
      return best;
    });
    const total = sum(values);
    return total === undefined ? p : { ...p, fs: total };
  });
}

function quantity(q: unknown, unit: 'cores' | 'bytes'): number | undefined {
  const parsed = tryParseQuantity(q);
  if (!parsed) return undefined;
  return unit === 'cores' ? quantityMilliValue(parsed) / 1000 : quantityValue(parsed);
}

function resources(r: Record<string, unknown> | undefined): Limits {
  const out: Limits = {};
  const cpu = quantity(r?.cpu, 'cores');
  const memory = quantity(r?.memory, 'bytes');
  if (cpu !== undefined) out.cpu = cpu;
  if (memory !== undefined) out.memory = memory;
  return out;
}

const podKey = (p: Pod) => p.metadata.uid ?? '';

function statuses(pod: Pod): ContainerStatus[] {
  return pod.status?.containerStatuses ?? [];
}

/** The node page: machine facts, node series (root cgroup), current filesystem, the pod table. */
export function nodeView(source: StatsSource, nodeFs: FsPoint[] = []): NodeView {
  const m = source.machine();
  const summaryFs = source.summary().node.fs;
  let series = source.samples('/').map(pointOf);
  if (!series.some((p) => p.fs !== undefined)) series = fillFs(series, [nodeFs], source.housekeepingIntervalMs / 2000);
  const view: NodeView = {
    nodeName: source.nodeName,
    intervalMs: source.housekeepingIntervalMs,
    storageMs: source.storageDurationMs,
    machine: { cores: m.numCores, memoryBytes: m.memoryCapacityBytes, kernel: m.kernelVersion, os: m.osImage, arch: m.architecture, cpuFrequencyKhz: m.cpuFrequencyKhz },
    series,
    pods: podRows(source),
  };
  if (summaryFs?.capacityBytes !== undefined && summaryFs.usedBytes !== undefined) view.fs = { usedBytes: summaryFs.usedBytes, capacityBytes: summaryFs.capacityBytes };
  return view;
}

/** The pod ref (the pod's cgroup: podUid and no container name) of each pod UID. */
function podRefs(refs: ContainerRef[]): Map<string, ContainerRef> {
  return new Map(refs.filter((r) => r.podUid && !r.name).map((r) => [r.podUid!, r]));
}

export function podRows(source: StatsSource): PodRow[] {
  const refs = podRefs(source.refs());
  return source.pods().map((pod): PodRow => {
    const cs = statuses(pod);
    const ref = refs.get(podKey(pod));
    const samples = ref ? source.samples(ref.id) : [];
    const last = samples[samples.length - 1];
    const row: PodRow = {
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: podKey(pod),
      phase: pod.status?.phase ?? 'Pending',
      ready: cs.filter((c) => c.ready).length,
      containers: (pod.spec?.containers ?? []).length,
      restarts: cs.reduce((a, c) => a + (c.restartCount ?? 0), 0),
    };
    if (last) {
      const p = pointOf(last);
      if (p.cpu !== undefined) row.cpu = p.cpu;
      row.mem = p.mem;
      if (last.memory.limitBytes !== undefined) row.memLimit = last.memory.limitBytes;
    }
    return row;
  });
}

function findPod(source: StatsSource, namespace: string, name: string): Pod | undefined {
  return source.pods().find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
}

function stateOf(s: ContainerStatus | undefined): { state: string; reason?: string } {
  const { waiting, running, terminated } = s?.state ?? {};
  const [state, reason] = waiting ? ['waiting', waiting.reason] : running ? ['running'] : terminated ? ['terminated', terminated.reason] : ['waiting'];
  return reason ? { state, reason } : { state };
}

/** The pod page; undefined when the kubelet runs no such pod. */
export function podView(source: StatsSource, namespace: string, name: string): PodView | undefined {
  const pod = findPod(source, namespace, name);
  if (!pod) return undefined;
  const machine = source.machine();
  const uid = podKey(pod);
  const refs = source.refs().filter((r) => r.podUid === uid);
  const podRef = refs.find((r) => !r.name);
  const tol = source.housekeepingIntervalMs / 2000;
  const cs = statuses(pod);
  const containers = (pod.spec?.containers ?? []).map(
    (spec): ContainerView => {
      const status = cs.find((c) => c.name === spec.name);
      const ref = refs.find((r) => r.name === spec.name);
      const last = status?.lastState?.terminated;
      const view: ContainerView = {
        name: spec.name,
        image: spec.image ?? status?.image ?? '',
        ...stateOf(status),
        ready: status?.ready ?? false,
        restarts: status?.restartCount ?? 0,
        requests: resources(spec.resources?.requests),
        limits: resources(spec.resources?.limits),
        probes: describeProbes(spec, status),
        series: ref ? source.samples(ref.id).map(pointOf) : [],
      };
      if (status?.started !== undefined) view.started = status.started;
      if (last) view.lastTermination = { reason: last.reason, exitCode: last.exitCode, finishedAt: last.finishedAt };
      return view;
    },
  );
  const podSamples = podRef ? source.samples(podRef.id) : [];
  const series = fillFs(podSamples.map(pointOf), containers.map((c) => c.series), tol);
  const lastPod = podSamples[podSamples.length - 1];
  const limits: Limits = {};
  if (lastPod?.memory.limitBytes !== undefined) limits.memory = lastPod.memory.limitBytes;
  const cpuLimits = containers.map((c) => c.limits.cpu);
  if (cpuLimits.length && cpuLimits.every((c) => c !== undefined)) limits.cpu = sum(cpuLimits);
  const view: PodView = {
    nodeName: source.nodeName,
    intervalMs: source.housekeepingIntervalMs,
    storageMs: source.storageDurationMs,
    namespace,
    name,
    uid,
    phase: pod.status?.phase ?? 'Pending',
    conditions: (pod.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status })),
    capacity: { cpu: machine.numCores, memory: machine.memoryCapacityBytes },
    limits,
    series,
    containers,
  };
  if (pod.status?.podIP) view.podIP = pod.status.podIP;
  if (pod.status?.qosClass) view.qosClass = pod.status.qosClass;
  if (pod.status?.startTime) view.startTime = pod.status.startTime;
  return view;
}

/** A live update: the view with every series cut to its latest point (the page appends it). */
export function latestOnly<V extends { series: Point[]; containers?: { series: Point[] }[] }>(view: V): V {
  const out = { ...view, series: view.series.slice(-1) };
  if (view.containers) out.containers = view.containers.map((c) => ({ ...c, series: c.series.slice(-1) }));
  return out;
}
