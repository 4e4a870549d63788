// The kubelet's lifetime signal outlives every loop turn and every probe worker: what waits on it
// must let go of it when the wait ends, or listeners (and AbortSignal.any's composites) pile up
// on it for as long as the kubelet runs (Node warns past 10 listeners).
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/core/index.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import { Waker } from '../../../src/kubelet/config/wake.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';
import { ProbeMetrics } from '../../../src/kubelet/prober/metrics.ts';
import { ResultsManager } from '../../../src/kubelet/prober/results.ts';
import { ProbeWorker } from '../../../src/kubelet/prober/worker.ts';
import { StatusManager } from '../../../src/kubelet/status/index.ts';

/** What holds on to a signal: its abort listeners, and (Node 20 internals) the AbortSignal.any composites made of it. */
function holds(signal: AbortSignal): number {
  const dependants = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const set = dependants && (signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants];
  return getEventListeners(signal, 'abort').length + (set?.size ?? 0);
}

const notUsed = () => Promise.reject(new Error('not used'));

describe('the kubelet’s lifetime signal', () => {
  it('holds no listener of a probe worker that has ended', async () => {
    const clock = new FakeClock();
    const lifetime = new AbortController().signal;
    const before = holds(lifetime);
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { uid: 'u', name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }] } };
    for (let i = 0; i < 50; i++) {
      const w = new ProbeWorker('Readiness', pod, pod.spec.containers[0]!, { periodSeconds: 1 }, {
        clock, random: () => 0, startedAt: 0, podStatus: () => undefined, results: new ResultsManager(), isStarted: () => true,
        probe: async () => ({ result: 'success', output: '' }), metrics: new ProbeMetrics(), onStop: () => {},
      }, lifetime);
      await clock.advance(1_000);
      w.stop();
      await w.done;
    }
    assert.equal(holds(lifetime), before);
  });

  it('is let go of by the sources’ and the status manager’s waits, turn after turn', async () => {
    const clock = new FakeClock();
    const lifetime = new AbortController().signal;
    const before = holds(lifetime);
    const waker = new Waker(clock, lifetime);
    for (let i = 0; i < 50; i++) {
      const waiting = waker.wait(10_000);
      if (i % 2) waker.wake();
      else await clock.advance(10_000);
      await waiting;
    }
    const status = new StatusManager({ client: { getPod: notUsed, patchPodStatus: notUsed, deletePod: notUsed }, clock, log: silentLogger });
    void status.run(lifetime);
    for (let i = 0; i < 50; i++) await clock.advance(10_000);
    await settle();
    assert.ok(holds(lifetime) <= before + 1, `${holds(lifetime) - before} holds on the lifetime signal after 100 turns`);
  });
});
