import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p99IsMax, percentile } from '../../../bench/lib/quantile.ts';

test('nearest rank: the smallest sample with at least p% at or below it', () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  assert.equal(percentile(ten, 50), 5);
  assert.equal(percentile(ten, 90), 9);
  assert.equal(percentile(ten, 91), 10);
  assert.equal(percentile(ten, 0), 1);
  assert.equal(percentile(ten, 100), 10);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('under 100 samples a p99 is the maximum, and is labelled so', () => {
  const fifty = Array.from({ length: 50 }, (_, i) => i + 1);
  assert.equal(percentile(fifty, 99), 50);
  assert.equal(p99IsMax(50), true);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(p99IsMax(100), false);
});
