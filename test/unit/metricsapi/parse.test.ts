import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExposition } from '../../../src/apiserver/metrics/parse.ts';

test('reads samples with labels, values and millisecond timestamps, skipping comments', () => {
  const text = [
    '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
    '# TYPE node_cpu_usage_seconds_total counter',
    'node_cpu_usage_seconds_total 357.35 1634054862011',
    '',
    'container_memory_working_set_bytes{container="web",namespace="default",pod="web-1"} 1.2935168e+07 1634054862011',
    'scrape_error 0',
    '',
  ].join('\n');
  assert.deepEqual(parseExposition(text), [
    { name: 'node_cpu_usage_seconds_total', labels: {}, value: 357.35, timestampMs: 1634054862011 },
    { name: 'container_memory_working_set_bytes', labels: { container: 'web', namespace: 'default', pod: 'web-1' }, value: 12935168, timestampMs: 1634054862011 },
    { name: 'scrape_error', labels: {}, value: 0 },
  ]);
});

test('unescapes label values and accepts NaN, ±Inf, spaces and a trailing comma', () => {
  const text = 'm{a="x\\"y\\\\z\\n", b = "}{,",} NaN\nm +Inf\nm{} -Inf 12\r\n';
  const [first, second, third] = parseExposition(text);
  assert.deepEqual(first.labels, { a: 'x"y\\z\n', b: '}{,' });
  assert.ok(Number.isNaN(first.value));
  assert.equal(second.value, Infinity);
  assert.equal(third.value, -Infinity);
  assert.equal(third.timestampMs, 12);
});

test('malformed lines fail with the line number', () => {
  assert.throws(() => parseExposition('ok 1\nbad{a="1" 2'), /line 2: expected "," or "}"/);
  assert.throws(() => parseExposition('m abc'), /line 1: invalid value "abc"/);
  assert.throws(() => parseExposition('m 1 1.5'), /invalid timestamp "1.5"/);
  assert.throws(() => parseExposition('m{a="1"}'), /expected a value/);
  assert.throws(() => parseExposition('9m 1'), /invalid metric name/);
});
