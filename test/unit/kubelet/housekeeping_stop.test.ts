// Housekeeping's kill of an orphaned pod ends with the kubelet's signal: a preStop hook that never
// gets an answer (issue #14, item 11) held the kubelet's stop for the pod's whole grace period.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/kubelet/log.ts';
import { Housekeeping } from '../../../src/kubelet/syncloop/housekeeping.ts';
import { container, harness, pod } from './kuberuntime/helpers.ts';

test("the kubelet's stop ends an orphan's preStop hook and leaves the orphan in place", async () => {
  const h = harness();
  const hook = { httpGet: { host: '10.244.0.99', port: 2333 } };
  const p = pod('orphan', [container('a', { lifecycle: { preStop: hook } })], { terminationGracePeriodSeconds: 300 });
  await h.sync(p);
  h.restartKubelet();
  // The hook's request gets no answer: it ends only when its signal aborts.
  const calls: { url: string; signal?: AbortSignal }[] = [];
  h.deps.fetch = (url, _headers, signal) => {
    calls.push({ url, signal });
    return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
  };
  const housekeeping = new Housekeeping({
    sourcesReady: () => true,
    pods: { all: () => [], get: () => undefined, orphanedMirrors: () => [], remove: () => {} },
    workers: { state: () => undefined, known: () => [], markPodsSynced: () => {} },
    runtime: h.deps,
    listRuntime: async () => ({ sandboxes: await h.cri.listPodSandbox(), containers: await h.cri.listContainers() }),
    status: { removeOrphanedStatuses: () => {} },
    prober: { cleanupPods: () => {} },
    clock: h.clock,
    log: silentLogger,
  });
  const stop = new AbortController();
  const pass = housekeeping.run(stop.signal);
  for (let i = 0; i < 100 && !calls.length; i++) await new Promise((r) => setImmediate(r));
  assert.equal(calls.length, 1, 'the preStop hook is called');
  assert.match(calls[0]!.url, /^http:\/\/10\.244\.0\.99:2333\//);
  stop.abort();
  const ended = await Promise.race([pass.then(() => true), new Promise((r) => setTimeout(() => r(false), 2_000))]);
  assert.equal(ended, true, 'the pass ends with the signal');
  assert.equal(calls[0]!.signal?.aborted, true, 'the request itself was aborted');
  assert.equal(h.cri.callsOf('removeContainer').length, 0, 'nothing is removed after the stop');
});
