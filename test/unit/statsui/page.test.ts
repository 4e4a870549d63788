// The page's pure helpers (plain JS modules served as is): units, escaping, series merging, sorting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHTML, formatAge, formatBytes, formatCores, formatPercent, formatRate, level } from '../../../src/kubelet/statsui/page/format.js';
import { mergePoints, toColumns } from '../../../src/kubelet/statsui/page/series.js';
import { sortRows } from '../../../src/kubelet/statsui/page/sort.js';

test('bytes read in binary units with three significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(201 * 1024 * 1024), '201 MiB');
  assert.equal(formatBytes(20.5 * 1024 * 1024), '20.5 MiB');
  assert.equal(formatBytes(1.5 * 1024 ** 3), '1.50 GiB');
  // Rounding never prints "1024 KiB".
  assert.equal(formatBytes(1024 * 1024 - 1), '1.00 MiB');
  assert.equal(formatBytes(undefined), '–');
  assert.equal(formatRate(48.8 * 1024), '48.8 KiB/s');
  assert.equal(formatRate(null), '–');
});

test('cores, percentages and ages', () => {
  assert.equal(formatCores(0.523), '0.52 cores');
  assert.equal(formatCores(1), '1.00 core');
  assert.equal(formatCores(12.34), '12.3 cores');
  assert.equal(formatCores(0.004), '0.004 cores');
  assert.equal(formatCores(0), '0 cores');
  assert.equal(formatCores(undefined), '–');
  assert.equal(formatPercent(0.255), '26%');
  assert.equal(formatPercent(0.001), '<1%');
  assert.equal(formatPercent(NaN), '–');
  assert.equal(formatAge(42), '42s');
  assert.equal(formatAge(3 * 60 + 5), '3m 5s');
  assert.equal(formatAge(2 * 3600 + 60), '2h 1m');
  assert.equal(formatAge(3 * 86400 + 4 * 3600), '3d 4h');
  assert.deepEqual([level(0.2), level(0.75), level(0.95)], ['ok', 'warn', 'crit']);
});

test('escapeHTML neutralises markup', () => {
  assert.equal(escapeHTML('<img src=x onerror="a(\'b\')">&'), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
});

test('mergePoints appends only newer points and keeps the window', () => {
  const s = [{ t: 10 }, { t: 20 }, { t: 30 }];
  assert.deepEqual(mergePoints(s, [{ t: 30 }, { t: 40 }], 100), [{ t: 10 }, { t: 20 }, { t: 30 }, { t: 40 }]);
  assert.deepEqual(mergePoints(s, [{ t: 40 }], 15), [{ t: 30 }, { t: 40 }]);
  assert.deepEqual(mergePoints([], [{ t: 5 }], 15), [{ t: 5 }]);
  assert.deepEqual(mergePoints(s, [{ t: 25 }], 100), s);
});

test('toColumns builds uPlot columns with gaps and constant limit lines', () => {
  assert.deepEqual(toColumns([{ t: 1, cpu: 0.5 }, { t: 2 }], ['cpu', 2]), [
    [1, 2],
    [0.5, null],
    [2, 2],
  ]);
});

test('sortRows orders by a column, missing values last', () => {
  const rows = [
    { namespace: 'b', name: 'x', cpu: 0.1 },
    { namespace: 'a', name: 'y', cpu: 1.2 },
    { namespace: 'a', name: 'z' },
  ];
  assert.deepEqual(sortRows(rows, 'cpu', true).map((r) => r.name), ['y', 'x', 'z']);
  assert.deepEqual(sortRows(rows, 'cpu', false).map((r) => r.name), ['x', 'y', 'z']);
  assert.deepEqual(sortRows(rows, 'name', false).map((r) => r.name), ['y', 'z', 'x']);
  assert.equal(rows[0].name, 'x', 'input untouched');
});
