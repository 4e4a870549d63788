// The one back-off: per key as flowcontrol.Backoff, or a retry loop's on the default key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../../src/kubelet/backoff.ts';

test('a retry loop: initial, doubling to the cap, reset on success', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 700 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 700, 700]);
  b.reset();
  assert.equal(b.next(), 100);
});

test('jitter adds up to its fraction of the delay, and only to what next() returns', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 1 });
  assert.deepEqual([b.next(), b.next()], [150, 300]);
  assert.equal(b.get(), 200);
});

test('without forgetAfterMs a key is never forgotten; with it, a key left alone that long starts over', () => {
  let now = 0;
  const clock = () => new Date(now);
  const loop = new Backoff({ initialMs: 10, maxMs: 40, now: clock });
  const keyed = new Backoff({ initialMs: 10, maxMs: 40, forgetAfterMs: 80, now: clock });
  for (const b of [loop, keyed]) {
    b.next('k');
    b.next('k');
  }
  now = 81;
  assert.equal(loop.next('k'), 40);
  assert.equal(keyed.next('k'), 10);
  now = 200;
  keyed.gc();
  assert.equal(keyed.get('k'), 0);
});
