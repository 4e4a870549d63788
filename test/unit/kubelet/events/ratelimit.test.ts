import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { createEventRateLimiter, refill } from '../../../../src/kubelet/events/ratelimit.ts';
import { createPodEventRecorder } from '../../../../src/kubelet/events/recorder.ts';
import { silentLogger } from '../../../../src/kubelet/log.ts';

const settle = () => new Promise((r) => setImmediate(r));

test('refill adds qps tokens a second, up to the burst', () => {
  assert.equal(refill(0, 0, 100, 50, 100), 5);
  assert.equal(refill(99, 0, 1000, 50, 100), 100);
  assert.equal(refill(3, 1000, 500, 50, 100), 3, 'time going backwards adds nothing');
});

test('a burst goes out at once, the rest at qps; a full queue drops the newest', async () => {
  const clock = new FakeClock();
  const limiter = createEventRateLimiter(50, 100, clock);
  const sent: number[] = [];
  for (let i = 0; i < 150; i++) assert.ok(limiter.submit(async () => void sent.push(i)));
  await settle();
  assert.equal(sent.length, 100, 'the burst');
  assert.equal(limiter.queued, 50);
  await clock.advance(500);
  await settle();
  assert.equal(sent.length, 125, '25 more after half a second at 50/s');
  await clock.advance(500);
  await settle();
  assert.equal(sent.length, 150);
  assert.deepEqual(sent, [...sent].sort((a, b) => a - b), 'in order');

  // A write that never finishes holds the line, as upstream's one sink goroutine would.
  limiter.submit(() => new Promise(() => {}));
  await settle();
  for (let i = 0; i < 1_100; i++) limiter.submit(async () => {});
  assert.equal(limiter.queued, 1_000);
  assert.equal(limiter.submit(async () => {}), false);
});

test('one write is in flight at a time, in order', async () => {
  const limiter = createEventRateLimiter(50, 100, new FakeClock());
  let inFlight = 0;
  let most = 0;
  const done: number[] = [];
  for (let i = 0; i < 5; i++) {
    limiter.submit(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      done.push(i);
    });
  }
  for (let i = 0; i < 10; i++) await settle();
  assert.deepEqual(done, [0, 1, 2, 3, 4]);
  assert.equal(most, 1);
});

test('qps 0 means no limit', async () => {
  const limiter = createEventRateLimiter(0, 0, new FakeClock());
  let n = 0;
  for (let i = 0; i < 500; i++) limiter.submit(async () => void n++);
  await settle();
  assert.equal(n, 500);
});

test('the pod recorder writes through the limiter: creates beyond the burst wait', async () => {
  const clock = new FakeClock();
  const creates: string[] = [];
  const api = { create: async (_p: string, ev: any) => (creates.push(ev.reason), ev), patch: async () => ({}) } as any;
  const rec = createPodEventRecorder(api, 'node-1', clock, silentLogger, createEventRateLimiter(1, 2, clock));
  const pod = { name: 'web', namespace: 'default', uid: 'u1' };
  for (const reason of ['Pulled', 'Created', 'Started']) rec.event(pod, 'Normal', reason, `${reason} it`);
  await settle();
  assert.deepEqual(creates, ['Pulled', 'Created']);
  await clock.advance(1_000);
  await settle();
  assert.deepEqual(creates, ['Pulled', 'Created', 'Started']);
});
