// Chart data on the page: merging live points into a series and turning points into uPlot's
// column arrays. Plain ES module (series.d.ts types it for the unit tests).

/** Appends the update's points newer than the series' last, then drops points older than the window. */
export function mergePoints(series, update, windowSeconds) {
  const last = series.length ? series[series.length - 1].t : -Infinity;
  const merged = series.concat(update.filter((p) => p.t > last));
  if (!merged.length) return merged;
  const oldest = merged[merged.length - 1].t - windowSeconds;
  let i = 0;
  while (i < merged.length && merged[i].t < oldest) i++;
  return i ? merged.slice(i) : merged;
}

/**
 * uPlot data: [times, ...one column per key]. A key that is a number draws a constant line (a
 * limit); missing values become null so uPlot leaves a gap.
 */
export function toColumns(points, keys) {
  const cols = [points.map((p) => p.t)];
  for (const k of keys) {
    cols.push(points.map((p) => (typeof k === 'number' ? k : p[k] === undefined ? null : p[k])));
  }
  return cols;
}
