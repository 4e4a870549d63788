// Percentiles of a benchmark's samples. Pure.

/** Below this many samples a p99 is the largest sample, and is labelled so (`p99_is_max`). */
export const P99_MIN_SAMPLES = 100;

/**
 * The nearest-rank p-th percentile (0 < p ≤ 100): the smallest sample with at least p% of the
 * samples at or below it; p = 0 gives the smallest. NaN when there are none.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Whether a p99 of n samples is simply their maximum (fewer than P99_MIN_SAMPLES). */
export const p99IsMax = (n: number): boolean => n < P99_MIN_SAMPLES;
