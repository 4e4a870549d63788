// When a benchmark cannot reach its steady state (pods not Ready in time), what ran out: the CPU
// shares of the kubelet, containerd and its shims, the machine's busy time and load average, and
// probe latency against the probe period. Pure.

export interface SaturationInput {
  /** CPU seconds per process group over wallSeconds ('kubelet', 'containerd', 'shims', ...). */
  cpuSeconds: Record<string, number>;
  wallSeconds: number;
  machineBusyPct: number;
  loadAverage1m: number;
  cores: number;
  /** Probe latency p99 over the same time, and the probes' period, when there are probes. */
  probeP99Ms?: number;
  probePeriodMs?: number;
}

export interface Saturation {
  /** The measurements, for the JSON line. */
  facts: Record<string, number>;
  /** What saturated, in words; never empty. */
  saturated: string[];
}

const r = (v: number, d = 3) => Number(v.toFixed(d));

export function saturation(i: SaturationInput): Saturation {
  const cores = (g: string) => (i.wallSeconds > 0 ? (i.cpuSeconds[g] ?? 0) / i.wallSeconds : 0);
  const facts: Record<string, number> = {};
  for (const g of Object.keys(i.cpuSeconds).sort()) facts[`${g}_cpu_cores`] = r(cores(g));
  Object.assign(facts, { machine_busy_pct: i.machineBusyPct, load_average_1m: r(i.loadAverage1m, 2), cores: i.cores, seconds: r(i.wallSeconds, 1) });
  if (i.probeP99Ms !== undefined) facts.probe_p99_ms = i.probeP99Ms;

  const saturated: string[] = [];
  if (i.machineBusyPct >= 90) saturated.push(`machine CPU ${i.machineBusyPct}% busy`);
  if (i.loadAverage1m >= i.cores) saturated.push(`load average ${r(i.loadAverage1m, 2)} on ${i.cores} cores`);
  const runtime = cores('containerd') + cores('shims');
  if (runtime >= 0.5 * i.cores) saturated.push(`containerd and its shims use ${r(runtime, 2)} of ${i.cores} cores`);
  if (cores('kubelet') >= 0.9) saturated.push(`kubelet at ${r(cores('kubelet'), 2)} cores (its one event loop is full)`);
  if (i.probeP99Ms !== undefined && i.probePeriodMs !== undefined && i.probeP99Ms >= i.probePeriodMs) {
    saturated.push(`probe latency p99 ${i.probeP99Ms} ms, not under the ${i.probePeriodMs} ms period`);
  }
  if (!saturated.length) saturated.push('nothing by these measures (CPU, load, probe latency): look for failing pods in the kubelet log');
  return { facts, saturated };
}
