// The prober's metrics, served on the kubelet's /metrics/probes in the Prometheus text format:
// prober_probe_total (counter by result) and prober_probe_duration_seconds (histogram).
import type { ProbeType } from './types.ts';

export interface ProbeSeries { probeType: ProbeType; container: string; pod: string; namespace: string; podUid: string }
export type MetricResult = 'successful' | 'failed' | 'unknown';

/** Prometheus' default buckets, which upstream's histogram uses. */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram { buckets: number[]; sum: number; count: number }

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
const totalKey = (s: ProbeSeries, r: MetricResult) => JSON.stringify([s.probeType, r, s.container, s.pod, s.namespace, s.podUid]);
const durationKey = (s: ProbeSeries) => JSON.stringify([s.probeType, s.container, s.pod, s.namespace]);

export class ProbeMetrics {
  private readonly totals = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();

  /** Counts one probe; as upstream, the duration is observed for successful and unknown ones only. */
  observe(s: ProbeSeries, result: MetricResult, seconds: number): void {
    const k = totalKey(s, result);
    this.totals.set(k, (this.totals.get(k) ?? 0) + 1);
    if (result === 'failed') return;
    const dk = durationKey(s);
    let h = this.durations.get(dk);
    if (!h) this.durations.set(dk, (h = { buckets: durationBuckets.map(() => 0), sum: 0, count: 0 }));
    durationBuckets.forEach((b, i) => { if (seconds <= b) h.buckets[i]!++; });
    h.sum += seconds;
    h.count++;
  }

  /** Drops a worker's series when it ends (upstream deletes them, so dead pods do not linger). */
  forget(s: ProbeSeries): void {
    for (const r of ['successful', 'failed', 'unknown'] as const) this.totals.delete(totalKey(s, r));
    this.durations.delete(durationKey(s));
  }

  total(s: ProbeSeries, result: MetricResult): number {
    return this.totals.get(totalKey(s, result)) ?? 0;
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP prober_probe_duration_seconds [ALPHA] Duration in seconds for a probe response.');
    out.push('# TYPE prober_probe_duration_seconds histogram');
    for (const [k, h] of [...this.durations].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [probeType, container, pod, namespace] = JSON.parse(k) as string[];
      const base: [string, string][] = [['container', container!], ['namespace', namespace!], ['pod', pod!], ['probe_type', probeType!]];
      durationBuckets.forEach((b, i) => out.push(`prober_probe_duration_seconds_bucket${labels([...base, ['le', String(b)]])} ${h.buckets[i]}`));
      out.push(`prober_probe_duration_seconds_bucket${labels([...base, ['le', '+Inf']])} ${h.count}`);
      out.push(`prober_probe_duration_seconds_sum${labels(base)} ${h.sum}`);
      out.push(`prober_probe_duration_seconds_count${labels(base)} ${h.count}`);
    }
    out.push('# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.');
    out.push('# TYPE prober_probe_total counter');
    for (const [k, v] of [...this.totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [probeType, result, container, pod, namespace, podUid] = JSON.parse(k) as string[];
      out.push(`prober_probe_total${labels([['container', container!], ['namespace', namespace!], ['pod', pod!], ['pod_uid', podUid!], ['probe_type', probeType!], ['result', result!]])} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}
