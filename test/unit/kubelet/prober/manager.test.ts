// The prober manager and its workers on a fake clock with fake handlers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { ProbeManager, type ProbeUpdate } from '../../../../src/kubelet/prober/manager.ts';
import type { ProbeHandlers } from '../../../../src/kubelet/prober/prober.ts';
import type { Pod, Probe } from '../../../../src/api/core/index.ts';
import type { HandlerResult } from '../../../../src/kubelet/prober/types.ts';
import type { ProbePodStatus } from '../../../../src/kubelet/prober/worker.ts';

const ok: HandlerResult = { result: 'success', output: '' };
const bad: HandlerResult = { result: 'failure', output: 'boom' };

interface Harness {
  clock: FakeClock;
  manager: ProbeManager;
  ctl: AbortController;
  status: ProbePodStatus;
  calls: { cmd: string; at: number }[];
  /** What the exec handler answers, by command word. */
  answer: Map<string, HandlerResult | 'hang'>;
  events: { type: string; reason: string; message: string; fieldPath?: string }[];
  updates: ProbeUpdate[];
  start: number;
}

function harness(opts: { random?: number; startedAgoMs?: number } = {}): Harness {
  const clock = new FakeClock();
  const start = clock.now().getTime();
  const ctl = new AbortController();
  const status: ProbePodStatus = {
    phase: 'Running',
    podIP: '10.0.0.5',
    containerStatuses: [{ name: 'app', containerID: 'containerd://c1', state: { running: { startedAt: new Date(start - (opts.startedAgoMs ?? 0)).toISOString() } } }],
  };
  const calls: Harness['calls'] = [];
  const answer = new Map<string, HandlerResult | 'hang'>();
  const handlers: ProbeHandlers = {
    exec: (_id, cmd, _t, signal) => {
      calls.push({ cmd: cmd[0]!, at: clock.now().getTime() - start });
      const a = answer.get(cmd[0]!) ?? ok;
      if (a === 'hang') return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ result: 'unknown', output: 'cancelled' })));
      return Promise.resolve(a);
    },
    http: () => Promise.resolve(ok),
    tcp: () => Promise.resolve(ok),
    grpc: () => Promise.resolve(ok),
  };
  const events: Harness['events'] = [];
  const updates: ProbeUpdate[] = [];
  const manager = new ProbeManager({
    runtime: { execSync: () => Promise.reject(new Error('unused')) },
    recorder: { event: (_pod, type, reason, message, fieldPath) => events.push({ type, reason, message, fieldPath }) },
    clock,
    podStatus: () => status,
    onChange: (u) => updates.push(u),
    signal: ctl.signal,
    handlers,
    random: () => opts.random ?? 0,
  });
  return { clock, manager, ctl, status, calls, answer, events, updates, start };
}

function pod(probes: { liveness?: Probe; readiness?: Probe; startup?: Probe }, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns1', uid: 'uid-1', ...extra },
    spec: { containers: [{ name: 'app', livenessProbe: probes.liveness, readinessProbe: probes.readiness, startupProbe: probes.startup }] },
  };
}

const exec = (word: string, more: Partial<Probe> = {}): Probe => ({ exec: { command: [word] }, ...more });
const atSeconds = (h: Harness, word: string) => h.calls.filter((c) => c.cmd === word).map((c) => c.at / 1000);

async function done(h: Harness) {
  h.ctl.abort();
  await h.manager.drained();
  assert.equal(h.manager.workerCount, 0);
}

describe('probe workers', () => {
  test('periodSeconds spaces the probes; the first comes at once without jitter', async () => {
    const h = harness();
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 5 }) }));
    await h.clock.advance(16_000);
    assert.deepEqual(atSeconds(h, 'live'), [0, 5, 10, 15]);
    await done(h);
  });

  test('the first probe is jittered by up to a period right after the kubelet starts', async () => {
    const h = harness({ random: 0.5 });
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 10 }) }));
    await h.clock.advance(4_000);
    assert.deepEqual(atSeconds(h, 'live'), []);
    await h.clock.advance(12_000);
    assert.deepEqual(atSeconds(h, 'live'), [5, 15]);
    await done(h);
  });

  test('no jitter once the kubelet has run longer than the period', async () => {
    const h = harness({ random: 0.5 });
    await h.clock.advance(20_000);
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 10 }) }));
    await h.clock.advance(1);
    assert.deepEqual(atSeconds(h, 'live'), [20]);
    await done(h);
  });

  test('ticks after the first land on a 100 ms grid, still exactly a period apart', async () => {
    const h = harness();
    await h.clock.advance(20_234);
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 2 }) }));
    await h.clock.advance(7_000);
    assert.deepEqual(atSeconds(h, 'live'), [20.234, 22.3, 24.3, 26.3]);
    await done(h);
  });

  test('initialDelaySeconds counts from the container start', async () => {
    const h = harness({ startedAgoMs: 2_000 });
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 1, initialDelaySeconds: 5 }) }));
    await h.clock.advance(5_000);
    // started 2 s before: the first probe may run 5 s after the start, i.e. at t=3.
    assert.deepEqual(atSeconds(h, 'live'), [3, 4, 5]);
    await done(h);
  });

  test('failureThreshold consecutive failures flip liveness; one success in between resets the run', async () => {
    const h = harness();
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 1, failureThreshold: 3 }) }));
    await h.clock.advance(1);
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    h.answer.set('live', bad);
    await h.clock.advance(2_000); // failures at t=1, t=2
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    h.answer.set('live', ok);
    await h.clock.advance(1_000); // success at t=3
    h.answer.set('live', bad);
    await h.clock.advance(2_000); // failures at t=4, t=5: still only two in a row
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    await h.clock.advance(1_000); // third in a row
    assert.equal(h.manager.livenessFailed('containerd://c1'), true);
    assert.ok(h.updates.some((u) => u.probeType === 'Liveness' && u.result === 'failure' && u.podUid === 'uid-1' && u.containerId === 'containerd://c1'));
    // On hold until a new container: no more probes of this one.
    const count = atSeconds(h, 'live').length;
    await h.clock.advance(3_000);
    assert.equal(atSeconds(h, 'live').length, count);
    await done(h);
  });

  test('successThreshold consecutive successes make a container ready', async () => {
    const h = harness();
    h.manager.addPod(pod({ readiness: exec('ready', { periodSeconds: 1, successThreshold: 3 }) }));
    await h.clock.advance(1);
    assert.equal(h.manager.readiness('containerd://c1'), false); // readiness starts as failure
    await h.clock.advance(1_000);
    assert.equal(h.manager.readiness('containerd://c1'), false); // two successes
    await h.clock.advance(1_000);
    assert.equal(h.manager.readiness('containerd://c1'), true); // three
    const flips = h.updates.filter((u) => u.probeType === 'Readiness').map((u) => u.result);
    assert.deepEqual(flips, ['failure', 'success']);
    h.answer.set('ready', bad);
    await h.clock.advance(3_000); // failureThreshold defaults to 3
    assert.equal(h.manager.readiness('containerd://c1'), false);
    await done(h);
  });

  test('timeoutSeconds cuts off a hanging handler and counts as a failure with the timeout message', async () => {
    const h = harness();
    h.answer.set('hang', 'hang');
    h.manager.addPod(pod({ liveness: exec('hang', { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 1 }) }));
    await h.clock.advance(1_999);
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    await h.clock.advance(1);
    assert.equal(h.manager.livenessFailed('containerd://c1'), true);
    assert.deepEqual(h.events.at(-1), {
      type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: command "hang" timed out', fieldPath: 'spec.containers{app}',
    });
    await done(h);
  });

  test('a startup probe holds liveness and readiness off until it succeeds', async () => {
    const h = harness();
    h.answer.set('start', bad);
    h.manager.addPod(pod({ startup: exec('start', { periodSeconds: 1, failureThreshold: 30 }), liveness: exec('live', { periodSeconds: 1 }), readiness: exec('ready', { periodSeconds: 1 }) }));
    await h.clock.advance(3_000);
    assert.equal(atSeconds(h, 'start').length, 4);
    assert.deepEqual(atSeconds(h, 'live'), []);
    assert.deepEqual(atSeconds(h, 'ready'), []);
    assert.equal(h.manager.startup('containerd://c1'), false);
    const sync = h.manager.syncOptions(pod({ startup: {} }), runtimeWith('c1'));
    assert.equal(sync.isStarted('app'), false);
    h.answer.set('start', ok);
    await h.clock.advance(1_000);
    assert.equal(h.manager.startup('containerd://c1'), true);
    await h.clock.advance(2_000);
    assert.ok(atSeconds(h, 'live').length >= 2);
    assert.ok(atSeconds(h, 'ready').length >= 2);
    const starts = atSeconds(h, 'start').length;
    await h.clock.advance(2_000);
    assert.equal(atSeconds(h, 'start').length, starts, 'startup stops probing once started');
    assert.equal(h.manager.syncOptions(pod({ startup: {} }), runtimeWith('c1')).isStarted('app'), true);
    await done(h);
  });

  test('a deletionTimestamp stops liveness (as success) while readiness keeps probing', async () => {
    const h = harness();
    h.answer.set('live', bad);
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 1, failureThreshold: 5 }), readiness: exec('ready', { periodSeconds: 1 }) }));
    await h.clock.advance(2_000);
    assert.equal(h.manager.workerCount, 2);
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 1 }), readiness: exec('ready', { periodSeconds: 1 }) }, { deletionTimestamp: new Date().toISOString() }));
    const lives = atSeconds(h, 'live').length;
    const readies = atSeconds(h, 'ready').length;
    await h.clock.advance(5_000);
    assert.equal(atSeconds(h, 'live').length, lives);
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    assert.ok(atSeconds(h, 'ready').length >= readies + 4);
    assert.equal(h.manager.workerCount, 1);
    await done(h);
  });

  test('stopLivenessAndStartup ends those workers at once', async () => {
    const h = harness();
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 1 }), readiness: exec('ready', { periodSeconds: 1 }) }));
    await h.clock.advance(1);
    h.manager.stopLivenessAndStartup(pod({}));
    await h.clock.advance(1);
    assert.equal(h.manager.workerCount, 1);
    await done(h);
  });

  test('a new container ID drops the old verdict and probes the new container; removePod ends the workers', async () => {
    const h = harness();
    h.answer.set('live', bad);
    h.manager.addPod(pod({ liveness: exec('live', { periodSeconds: 1, failureThreshold: 1 }) }));
    await h.clock.advance(1);
    assert.equal(h.manager.livenessFailed('containerd://c1'), true);
    // The old container is killed and a new one runs.
    h.answer.set('live', ok);
    h.status.containerStatuses = [{ name: 'app', containerID: 'containerd://c2', state: { running: { startedAt: h.clock.now().toISOString() } } }];
    await h.clock.advance(1_000);
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    assert.equal(h.manager.syncOptions(pod({}), runtimeWith('c2')).livenessFailed('app'), false);
    h.manager.removePod('uid-1');
    await h.clock.advance(1);
    assert.equal(h.manager.workerCount, 0);
    const n = h.calls.length;
    await h.clock.advance(5_000);
    assert.equal(h.calls.length, n, 'no probe after removal');
    await done(h);
  });

  test('a stopped container fails readiness; with restartPolicy Never a terminated one ends the worker', async () => {
    const h = harness();
    const p = pod({ readiness: exec('ready', { periodSeconds: 1 }) });
    p.spec!.restartPolicy = 'Never';
    h.manager.addPod(p);
    await h.clock.advance(1);
    assert.equal(h.manager.readiness('containerd://c1'), true);
    h.status.containerStatuses = [{ name: 'app', containerID: 'containerd://c1', state: { terminated: { exitCode: 0 } } }];
    await h.clock.advance(1_000);
    assert.equal(h.manager.workerCount, 0);
    await done(h);
  });

  test('failed probes record Unhealthy events; the metrics count by result', async () => {
    const h = harness();
    h.manager.addPod(pod({ readiness: exec('ready', { periodSeconds: 1 }) }));
    await h.clock.advance(1_000); // two successes
    h.answer.set('ready', bad);
    await h.clock.advance(1_000);
    assert.deepEqual(h.events, [{ type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: boom', fieldPath: 'spec.containers{app}' }]);
    const text = h.manager.renderMetrics();
    assert.match(text, /# TYPE prober_probe_total counter/);
    assert.match(text, /prober_probe_total\{container="app",namespace="ns1",pod="web",pod_uid="uid-1",probe_type="Readiness",result="successful"\} 2\n/);
    assert.match(text, /prober_probe_total\{container="app",namespace="ns1",pod="web",pod_uid="uid-1",probe_type="Readiness",result="failed"\} 1\n/);
    assert.match(text, /# TYPE prober_probe_duration_seconds histogram/);
    assert.match(text, /prober_probe_duration_seconds_count\{container="app",namespace="ns1",pod="web",probe_type="Readiness"\} 2\n/);
    h.manager.removePod('uid-1');
    await h.clock.advance(1);
    assert.doesNotMatch(h.manager.renderMetrics(), /uid-1/);
    await done(h);
  });

  test('updatePodStatus triggers a readiness probe of a container that is not ready yet', async () => {
    const h = harness();
    h.manager.addPod(pod({ readiness: exec('ready', { periodSeconds: 10 }) }));
    h.status.containerStatuses = [];
    await h.clock.advance(1); // first tick: no container yet
    h.status.containerStatuses = [{ name: 'app', containerID: 'containerd://c1', state: { running: { startedAt: h.clock.now().toISOString() } } }];
    await h.clock.advance(2_000);
    assert.deepEqual(atSeconds(h, 'ready'), []);
    h.manager.updatePodStatus('uid-1');
    await h.clock.advance(1);
    assert.deepEqual(atSeconds(h, 'ready'), [2.001]); // at once, not at the next tick (t=10)
    assert.equal(h.manager.readiness('containerd://c1'), true);
    await done(h);
  });

  test('a probe that errors is retried, reported as errored, and leaves the verdict alone', async () => {
    const h = harness();
    h.manager.addPod({ metadata: { name: 'web', namespace: 'ns1', uid: 'uid-1' }, spec: { containers: [{ name: 'app', livenessProbe: { httpGet: { port: 'nope' }, periodSeconds: 1, failureThreshold: 1 } }] } });
    await h.clock.advance(1);
    assert.equal(h.manager.livenessFailed('containerd://c1'), false);
    assert.equal(h.events[0]?.message, 'Liveness probe errored: couldn\'t find port: nope in []');
    assert.match(h.manager.renderMetrics(), /result="unknown"\} 1\n/);
    await done(h);
  });
});

function runtimeWith(id: string) {
  return {
    uid: 'uid-1', name: 'web', namespace: 'ns1', ips: [], sandboxes: [], timestamp: new Date(),
    containers: [{ id: { type: 'containerd', id }, name: 'app', state: 'running' as const, createdAt: new Date(), image: 'x', imageRef: 'x', hash: '', restartCount: 0 }],
  };
}
