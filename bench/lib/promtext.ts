// Just enough of the Prometheus text format for benchmarks: samples with labels, differences between
// two scrapes, and a quantile from cumulative histogram buckets. All pure; lines are read by the
// Metrics API's parser.
import { parseExposition, type Sample } from '../../src/apiserver/metrics/parse.ts';

export type { Sample } from '../../src/apiserver/metrics/parse.ts';

/** Every sample line of an exposition (comments and blank lines skipped). */
export const parsePromText = (text: string): Sample[] => parseExposition(text);

/** A stable key for a sample's labels, minus the ones named (e.g. `le`, `result`). */
export function labelKey(labels: Record<string, string>, without: string[] = []): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => !without.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Sums a metric's values per label key (dropping `without`), e.g. probe totals per series over results. */
export function sumBy(samples: Sample[], name: string, without: string[] = []): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = labelKey(s.labels, without);
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

/** after − before per key; a key missing before counts from 0 (a series born in the window). */
export function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

/** Cumulative bucket counts by upper bound (`le`), summed over every series of a histogram. */
export function mergedBuckets(samples: Sample[], histogram: string, filter: (labels: Record<string, string>) => boolean = () => true): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${histogram}_bucket` || !filter(s.labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * The q-quantile from cumulative buckets, interpolating linearly inside the bucket it falls in (as
 * Prometheus' histogram_quantile does). In the +Inf bucket the answer is the highest finite bound.
 * NaN when there are no observations.
 */
export function bucketQuantile(q: number, buckets: Map<number, number>): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1]!) ?? 0;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const b of bounds) {
    const c = buckets.get(b)!;
    if (c >= rank) {
      if (b === Infinity) return prevBound;
      if (c === prevCount) return b;
      return prevBound + ((b - prevBound) * (rank - prevCount)) / (c - prevCount);
    }
    prevBound = b;
    prevCount = c;
  }
  return prevBound;
}
