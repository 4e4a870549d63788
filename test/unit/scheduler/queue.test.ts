import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue, backoffMs } from '../../../src/controllers/scheduler/queue.ts';

test('backoff doubles from 1 s up to 10 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 9].map(backoffMs), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('a failed pod is parked until the cluster changes, then waits out its backoff', () => {
  const q = new SchedulingQueue();
  q.add('ns/a');
  q.add('ns/b');
  assert.deepEqual(q.ready(0), ['ns/a', 'ns/b']);
  q.failed('ns/a', 0);
  assert.deepEqual(q.ready(5000), ['ns/b'], 'parked pods are not retried on their own');
  q.unparkAll();
  assert.deepEqual(q.ready(500), ['ns/b'], 'still backing off');
  assert.deepEqual(q.ready(1000), ['ns/a', 'ns/b']);
  q.failed('ns/a', 1000);
  q.unparkAll();
  assert.equal(q.nextReadyAt(), 0, 'b is ready now');
  q.delete('ns/b');
  assert.equal(q.nextReadyAt(), 3000, 'second failure backs off 2 s');
});

test('retry keeps the pod eligible after its backoff without a cluster change', () => {
  const q = new SchedulingQueue();
  q.add('ns/a');
  q.retry('ns/a', 0);
  assert.deepEqual(q.ready(999), []);
  assert.deepEqual(q.ready(1000), ['ns/a']);
});
