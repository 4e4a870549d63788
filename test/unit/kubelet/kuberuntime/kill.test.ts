// killPod on the fake runtime and a fake clock: a preStop hook is bounded by the grace period
// (upstream's executePreStopHook waits at most that long, the stop gets what is left, at least
// 2 s), and sidecars stop after the main containers, in reverse order of their start.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { terminationPrerequisites } from '../../../../src/kubelet/kuberuntime/actions.ts';
import { killPod, type KillPodResult } from '../../../../src/kubelet/kuberuntime/kill.ts';
import type { Pod } from '../../../../src/api/core/index.ts';
import { container, harness, newest, pod, type Harness } from './helpers.ts';

/** Starts killPod and reports whether it has finished. */
function startKill(h: Harness, p: Pod | undefined, st: Awaited<ReturnType<Harness['status']>>, opts: Parameters<typeof killPod>[3] = {}) {
  const state: { done?: KillPodResult } = {};
  const run = killPod(h.deps, p, st, opts).then((r) => { state.done = r; return r; });
  return { state, run };
}

/** StopContainer calls as [container name, grace, seconds since t0], by time (then name). */
function stops(t0: number, log: { name: string; at: number; grace: number }[]) {
  return [...log].sort((x, y) => x.at - y.at || x.name.localeCompare(y.name)).map((s) => [s.name, s.grace, (s.at - t0) / 1000]);
}

/** Makes the named containers take `ms` of fake time to stop; records every StopContainer. */
function slowStops(h: Harness, slow: Record<string, number>) {
  const log: { name: string; at: number; grace: number }[] = [];
  const stop = h.cri.stopContainer.bind(h.cri);
  h.cri.stopContainer = async (id, grace) => {
    const name = h.cri.containers.get(id)?.config.metadata?.name ?? '';
    log.push({ name, at: h.clock.now().getTime(), grace });
    if (slow[name]) await h.clock.sleep(slow[name]);
    return stop(id, grace);
  };
  return log;
}

describe('killPod: preStop within the grace period', () => {
  test('a preStop sleep longer than the grace period is cut off when it runs out', async () => {
    const h = harness();
    const p = pod('sleepy', [container('a', { lifecycle: { preStop: { sleep: { seconds: 60 } } } })], { terminationGracePeriodSeconds: 10 });
    await h.sync(p);
    const k = startKill(h, p, await h.status(p));
    await h.clock.advance(9_999);
    assert.equal(h.cri.callsOf('stopContainer').length, 0, 'the hook runs first');
    await h.clock.advance(1);
    assert.ok(k.state.done, 'the kill goes on when the grace period is over');
    assert.deepEqual(k.state.done.errors, []);
    assert.equal(h.cri.callsOf('stopContainer')[0].args[1], 2, 'no grace left: the minimum 2 s');
    assert.equal(newest(h.cri, 'a').state, 'CONTAINER_EXITED');
    assert.ok(!h.events.some((e) => e.reason === 'FailedPreStopHook'), 'a sleep cut short is no failed hook');
  });

  test('a preStop exec that hangs is waited for at most the grace period', async () => {
    const h = harness();
    const p = pod('hang', [container('a', { lifecycle: { preStop: { exec: { command: ['sleep', '1000'] } } } })], { terminationGracePeriodSeconds: 7 });
    await h.sync(p);
    h.cri.onExec = () => new Promise(() => {});
    const k = startKill(h, p, await h.status(p));
    await h.clock.advance(7_000);
    assert.ok(k.state.done);
    assert.equal(h.cri.callsOf('stopContainer')[0].args[1], 2);
  });

  test('the grace period the pod worker passes bounds the preStop, and the stop gets what is left', async () => {
    const h = harness();
    const p = pod('override', [container('a', { lifecycle: { preStop: { exec: { command: ['drain'] } } } })], { terminationGracePeriodSeconds: 30 });
    await h.sync(p);
    h.cri.onExec = async () => { await h.clock.sleep(5_000); return { exitCode: 0 }; };
    const k = startKill(h, p, await h.status(p), { gracePeriodOverride: 20 });
    await h.clock.advance(5_000);
    await k.run;
    assert.equal(h.cri.callsOf('stopContainer')[0].args[1], 15, '20 s minus the 5 s preStop');
  });

  test("the kubelet's stop during a preStop ends the kill as an abort: no grace-period verdict, no stop", async () => {
    const h = harness();
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    h.deps.log = { ...log, v: () => log };
    const p = pod('stopping', [container('a', { lifecycle: { preStop: { sleep: { seconds: 60 } } } })], { terminationGracePeriodSeconds: 10 });
    await h.sync(p);
    const ac = new AbortController();
    const k = startKill(h, p, await h.status(p), { signal: ac.signal });
    await h.clock.advance(1_000);
    ac.abort();
    const r = await k.run;
    assert.deepEqual(r.errors.map((e) => e.target), ['a']);
    assert.match(r.errors[0].message, /abort/i);
    assert.deepEqual(logged, []);
    assert.equal(h.cri.callsOf('stopContainer').length, 0);
  });

  test('with no grace at all the preStop is skipped and the stop still gets 2 s', async () => {
    const h = harness();
    const p = pod('now', [container('a', { lifecycle: { preStop: { exec: { command: ['drain'] } } } })]);
    await h.sync(p);
    await killPod(h.deps, p, await h.status(p), { gracePeriodOverride: 0 });
    assert.equal(h.cri.callsOf('execSync').length, 0);
    assert.equal(h.cri.callsOf('stopContainer')[0].args[1], 2);
  });
});

describe('killPod: sidecars after the main containers', () => {
  test('terminationPrerequisites: a sidecar waits for the main containers and the next sidecar', () => {
    const p = pod('order', [container('a'), container('b')], {
      initContainers: [container('s1', { restartPolicy: 'Always' }), container('i1'), container('s2', { restartPolicy: 'Always' }), container('s3', { restartPolicy: 'Always' })],
    });
    assert.deepEqual([...terminationPrerequisites(p)], [['s3', ['a', 'b']], ['s2', ['a', 'b', 's3']], ['s1', ['a', 'b', 's2']]]);
    assert.equal(terminationPrerequisites(pod('none', [container('a')], { initContainers: [container('i1')] })).size, 0);
  });

  /** A running pod: sidecars s1 and s2 around a regular init container, then apps a and b. */
  async function sidecarPod(h: Harness, extra: { s1?: Parameters<typeof container>[1]; grace?: number } = {}) {
    const p = pod('sidecars', [container('a'), container('b')], {
      terminationGracePeriodSeconds: extra.grace ?? 30,
      initContainers: [container('s1', { restartPolicy: 'Always', ...extra.s1 }), container('i1'), container('s2', { restartPolicy: 'Always' })],
    });
    for (let i = 0; i < 6 && h.cri.containersNamed('b').length === 0; i++) {
      const r = await h.sync(p);
      if (r.started.includes('i1')) h.cri.exit(newest(h.cri, 'i1').id, 0);
    }
    for (const n of ['s1', 's2', 'a', 'b']) assert.equal(newest(h.cri, n).state, 'CONTAINER_RUNNING', n);
    return p;
  }

  test('main containers stop first (in parallel), then the sidecars in reverse order, with the grace left', async () => {
    const h = harness();
    const p = await sidecarPod(h);
    const log = slowStops(h, { a: 12_000, s2: 3_000 });
    const t0 = h.clock.now().getTime();
    const k = startKill(h, p, await h.status(p));
    await h.clock.advance(20_000);
    assert.ok(k.state.done);
    assert.deepEqual(k.state.done.errors, []);
    assert.deepEqual(stops(t0, log), [
      ['a', 30, 0], ['b', 30, 0],
      ['s2', 18, 12], // after a (the slowest main container) is gone: 30 - 12
      ['s1', 15, 15], // after s2: 30 - 15
    ]);
    const seq = h.cri.calls.map((c) => c.method).filter((m) => m === 'stopContainer' || m === 'stopPodSandbox');
    assert.equal(seq.at(-1), 'stopPodSandbox', 'the sandbox stops last');
  });

  test("a sidecar's preStop runs when termination starts; its wait and the hook share its grace", async () => {
    const h = harness();
    const p = await sidecarPod(h, { s1: { lifecycle: { preStop: { exec: { command: ['flush'] } } } } });
    const execAt: number[] = [];
    h.cri.onExec = async () => { execAt.push(h.clock.now().getTime()); await h.clock.sleep(4_000); return { exitCode: 0 }; };
    const log = slowStops(h, { a: 12_000 });
    const t0 = h.clock.now().getTime();
    const k = startKill(h, p, await h.status(p));
    await h.clock.advance(20_000);
    assert.ok(k.state.done);
    assert.deepEqual(execAt.map((t) => t - t0), [0], "upstream 1.32 runs a sidecar's preStop at once, as part of its own kill");
    assert.deepEqual(stops(t0, log), [['a', 30, 0], ['b', 30, 0], ['s1', 18, 12], ['s2', 18, 12]]);
  });

  test('sidecars wait for the main containers no longer than the grace period, then get the minimum', async () => {
    const h = harness();
    const p = await sidecarPod(h, { grace: 10 });
    const log = slowStops(h, { a: 40_000 });
    const t0 = h.clock.now().getTime();
    const k = startKill(h, p, await h.status(p));
    await h.clock.advance(10_000);
    assert.deepEqual(stops(t0, log), [['a', 10, 0], ['b', 10, 0], ['s1', 2, 10], ['s2', 2, 10]]);
    await h.clock.advance(30_000);
    assert.ok(k.state.done);
  });

  test('a pod without sidecars stops everything at once', async () => {
    const h = harness();
    const p = pod('plain', [container('a'), container('b')], { initContainers: [container('i1')] });
    await h.sync(p);
    h.cri.exit(newest(h.cri, 'i1').id, 0);
    await h.sync(p);
    const log = slowStops(h, { a: 5_000 });
    const t0 = h.clock.now().getTime();
    const k = startKill(h, p, await h.status(p));
    await h.clock.advance(5_000);
    assert.ok(k.state.done);
    assert.deepEqual(stops(t0, log), [['a', 30, 0], ['b', 30, 0]]);
  });
});
