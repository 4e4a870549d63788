// Go's time.Duration text, as flags, events and health messages print it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../src/api/duration.ts';

test('formats as Go prints a time.Duration', () => {
  const cases: [number, string][] = [
    [0, '0s'], [10_000, '10s'], [80_000, '1m20s'], [300_000, '5m0s'], [180_000, '3m0s'], [1234, '1.234s'], [1500, '1.5s'],
    [523, '523ms'], [1.5, '1.5ms'], [0.25, '250µs'], [0.0005, '500ns'], [3_725_000, '1h2m5s'], [3_600_000, '1h0m0s'],
    [-1500, '-1.5s'], [60_000.000001, '1m0.000000001s'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
});

test('parses what it formats', () => {
  for (const ms of [0, 10_000, 80_000, 1234, 523, 3_725_000, -1500]) assert.equal(parseDuration(formatDuration(ms)), ms);
});
