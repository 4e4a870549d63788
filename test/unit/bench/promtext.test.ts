import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketQuantile, delta, labelKey, mergedBuckets, parsePromText, sumBy } from '../../../bench/lib/promtext.ts';
import { windowP99Ms } from '../../../bench/probes.ts';

const scrape = (ok: number, failed: number, buckets: [string, number][]) => parsePromText(`# HELP prober_probe_total Probes.
# TYPE prober_probe_total counter
prober_probe_total{container="web",probe_type="Liveness",result="successful"} ${ok}
prober_probe_total{container="web",probe_type="Liveness",result="failed"} ${failed}
# TYPE prober_probe_duration_seconds histogram
${buckets.map(([le, c]) => `prober_probe_duration_seconds_bucket{container="web",le="${le}"} ${c}`).join('\n')}
`);

test('samples with labels; totals per series over the dropped labels; increases between scrapes', () => {
  const before = scrape(10, 1, [['0.005', 0], ['+Inf', 0]]);
  const after = scrape(25, 2, [['0.005', 0], ['+Inf', 0]]);
  assert.equal(before.length, 4);
  const key = labelKey({ probe_type: 'Liveness', container: 'web' });
  assert.equal(key, labelKey({ container: 'web', result: 'x', probe_type: 'Liveness' }, ['result']), 'label order and dropped labels do not matter');
  assert.deepEqual([...sumBy(before, 'prober_probe_total', ['result'])], [[key, 11]]);
  assert.deepEqual([...delta(sumBy(before, 'prober_probe_total', ['result']), sumBy(after, 'prober_probe_total', ['result']))], [[key, 16]]);
  assert.deepEqual([...delta(new Map(), new Map([['k', 3]]))], [['k', 3]], 'a series born in the window counts from 0');
});

test('quantiles from cumulative buckets interpolate inside the bucket, as histogram_quantile does', () => {
  const b = new Map([[0.1, 50], [0.5, 90], [1, 100], [Infinity, 100]]);
  assert.equal(bucketQuantile(0.5, b), 0.1);
  assert.ok(Math.abs(bucketQuantile(0.7, b) - 0.3) < 1e-9);
  assert.equal(bucketQuantile(1, b), 1);
  assert.equal(bucketQuantile(0.99, new Map([[0.1, 0], [Infinity, 10]])), 0.1, 'in +Inf: the highest finite bound');
  assert.ok(Number.isNaN(bucketQuantile(0.5, new Map([[Infinity, 0]]))));
  assert.deepEqual([...mergedBuckets(scrape(0, 0, [['0.005', 2], ['+Inf', 3]]), 'prober_probe_duration_seconds')], [[0.005, 2], [Infinity, 3]]);
});

test('a window\'s probe p99 over fewer than 100 probes is the largest one\'s bucket bound, labelled as the maximum', () => {
  const before = scrape(0, 0, [['0.005', 10], ['0.01', 10], ['0.025', 10], ['+Inf', 10]]);
  const few = windowP99Ms(before, scrape(0, 0, [['0.005', 50], ['0.01', 59], ['0.025', 60], ['+Inf', 60]]));
  assert.deepEqual(few, { ms: 25, samples: 50, isMax: true });
  const many = windowP99Ms(before, scrape(0, 0, [['0.005', 900], ['0.01', 1009], ['0.025', 1010], ['+Inf', 1010]]));
  assert.equal(many.isMax, false);
  assert.equal(many.samples, 1000);
  assert.ok(many.ms > 5 && many.ms <= 10, `p99 ${many.ms} ms lies in the (5, 10] ms bucket`);
});
