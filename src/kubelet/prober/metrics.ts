// The prober's metrics, served on the kubelet's /metrics/probes in the Prometheus text format:
// prober_probe_total (counter by result) and prober_probe_duration_seconds (histogram).
// A worker holds one ProbeSeriesMetrics for its life, so counting a probe touches a few numbers:
// label strings are built once, when the series starts, not on every tick.
import { escapeLabelValue } from '../metrics/promtext.ts';
import type { ProbeType } from './types.ts';

export interface ProbeSeries { probeType: ProbeType; container: string; pod: string; namespace: string; podUid: string }
export type MetricResult = 'successful' | 'failed' | 'unknown';

/** Prometheus' default buckets, which upstream's histogram uses. */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const metricResults: readonly MetricResult[] = ['successful', 'failed', 'unknown'];

const pairs = (ps: [string, string][]) => ps.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');

/** One worker's series: its counters and histogram, with their label text prepared. */
export class ProbeSeriesMetrics {
  /** Counts by result, in metricResults order; a result never seen is not rendered. */
  readonly totals = [0, 0, 0];
  readonly buckets = durationBuckets.map(() => 0);
  sum = 0;
  count = 0;
  /** `container=..,namespace=..,pod=..,probe_type=..` (the histogram's labels, sorted). */
  readonly durationLabels: string;
  /** The counter's labels without result, sorted (result sorts last). */
  readonly totalLabels: string;

  constructor(readonly series: ProbeSeries) {
    const s = series;
    this.durationLabels = pairs([['container', s.container], ['namespace', s.namespace], ['pod', s.pod], ['probe_type', s.probeType]]);
    this.totalLabels = pairs([['container', s.container], ['namespace', s.namespace], ['pod', s.pod], ['pod_uid', s.podUid], ['probe_type', s.probeType]]);
  }

  /** Counts one probe; as upstream, the duration is observed for successful and unknown ones only. */
  observe(result: MetricResult, seconds: number): void {
    this.totals[result === 'successful' ? 0 : result === 'failed' ? 1 : 2]!++;
    if (result === 'failed') return;
    const b = this.buckets;
    for (let i = durationBuckets.length - 1; i >= 0 && seconds <= durationBuckets[i]!; i--) b[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

export class ProbeMetrics {
  private readonly series = new Map<string, ProbeSeriesMetrics>();

  /** The series a worker counts into; the same labels give the same series. */
  open(s: ProbeSeries): ProbeSeriesMetrics {
    const k = seriesKey(s);
    let m = this.series.get(k);
    if (!m) this.series.set(k, (m = new ProbeSeriesMetrics(s)));
    return m;
  }

  /** Counts one probe (prefer holding the series from open()). */
  observe(s: ProbeSeries, result: MetricResult, seconds: number): void {
    this.open(s).observe(result, seconds);
  }

  /** Drops a worker's series when it ends (upstream deletes them, so dead pods do not linger). */
  forget(s: ProbeSeries | ProbeSeriesMetrics): void {
    const series = s instanceof ProbeSeriesMetrics ? s.series : s;
    const k = seriesKey(series);
    if (s instanceof ProbeSeriesMetrics && this.series.get(k) !== s) return;
    this.series.delete(k);
  }

  total(s: ProbeSeries, result: MetricResult): number {
    return this.series.get(seriesKey(s))?.totals[metricResults.indexOf(result)] ?? 0;
  }

  render(): string {
    const all = [...this.series.values()];
    const out: string[] = [];
    out.push('# HELP prober_probe_duration_seconds [ALPHA] Duration in seconds for a probe response.');
    out.push('# TYPE prober_probe_duration_seconds histogram');
    // Series that share the histogram's labels (same pod name and container, another UID) add up.
    const hist = new Map<string, { buckets: number[]; sum: number; count: number }>();
    for (const m of all) {
      if (m.count === 0) continue;
      const h = hist.get(m.durationLabels) ?? { buckets: durationBuckets.map(() => 0), sum: 0, count: 0 };
      m.buckets.forEach((v, i) => { h.buckets[i]! += v; });
      h.sum += m.sum;
      h.count += m.count;
      hist.set(m.durationLabels, h);
    }
    for (const [labels, h] of [...hist].sort(([a], [b]) => (a < b ? -1 : 1))) {
      durationBuckets.forEach((b, i) => out.push(`prober_probe_duration_seconds_bucket{${labels},le="${b}"} ${h.buckets[i]}`));
      out.push(`prober_probe_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`prober_probe_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`prober_probe_duration_seconds_count{${labels}} ${h.count}`);
    }
    out.push('# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.');
    out.push('# TYPE prober_probe_total counter');
    const lines: string[] = [];
    for (const m of all) {
      metricResults.forEach((r, i) => {
        if (m.totals[i]! > 0) lines.push(`prober_probe_total{${m.totalLabels},result="${r}"} ${m.totals[i]}`);
      });
    }
    out.push(...lines.sort());
    return `${out.join('\n')}\n`;
  }
}

const seriesKey = (s: ProbeSeries) => `${s.probeType}\0${s.container}\0${s.pod}\0${s.namespace}\0${s.podUid}`;
