// The prober's per-tick path: plans kept between ticks (and rebuilt when the target moves), the
// timeout backstop only where a handler does not keep its own, and the metrics text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, realClock } from '../../../../src/kubelet/clock.ts';
import { ProbeMetrics } from '../../../../src/kubelet/prober/metrics.ts';
import { Prober, type ProbeHandlers, type ProbeTarget } from '../../../../src/kubelet/prober/prober.ts';
import type { HTTPHeader, Probe } from '../../../../src/api/core/index.ts';
import type { HandlerResult } from '../../../../src/kubelet/prober/types.ts';

const ok: HandlerResult = { result: 'success', output: '' };
const recorder = { event: () => {} };

function target(podIP: string, containerId = 'containerd://c1'): ProbeTarget {
  return {
    pod: { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }] } },
    container: { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] },
    containerId,
    podIP,
  };
}

function handlers(over: Partial<ProbeHandlers> = {}): ProbeHandlers & { prepared: string[]; runs: string[] } {
  const prepared: string[] = [];
  const runs: string[] = [];
  return {
    prepared, runs,
    exec: async () => ok,
    http: async () => { throw new Error('the prepared path is used'); },
    tcp: async (host, port) => { runs.push(`tcp ${host}:${port}`); return ok; },
    grpc: async () => ok,
    prepareHttp: (url: string, _h: HTTPHeader[] | undefined) => { prepared.push(url); return async () => { runs.push(url); return ok; }; },
    ...over,
  };
}

describe('Prober', () => {
  test('a plan is built once per container and pod IP, and again when either changes', async () => {
    const h = handlers();
    const prober = new Prober({ handlers: h, clock: realClock, recorder });
    const spec: Probe = { httpGet: { port: 'http', path: '/healthz' } };
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) assert.deepEqual(await prober.probe('Readiness', spec, target('10.0.0.5'), 1, signal), ok);
    assert.deepEqual(h.prepared, ['http://10.0.0.5:8080/healthz']);
    await prober.probe('Readiness', spec, target('10.0.0.9'), 1, signal);
    await prober.probe('Readiness', spec, target('10.0.0.9', 'containerd://c2'), 1, signal);
    assert.deepEqual(h.prepared, ['http://10.0.0.5:8080/healthz', 'http://10.0.0.9:8080/healthz', 'http://10.0.0.9:8080/healthz']);
    assert.equal(h.runs.length, 5);
  });

  test('without selfTimed, a hanging handler is cut off by the clock at timeoutSeconds', async () => {
    const clock = new FakeClock();
    const h = handlers({ tcp: () => new Promise(() => {}) });
    const prober = new Prober({ handlers: h, clock, recorder });
    let done: HandlerResult | undefined;
    void prober.probe('Liveness', { tcpSocket: { port: 8080 } }, target('10.0.0.5'), 2, new AbortController().signal).then((r) => { done = r; });
    await clock.advance(1_999);
    assert.equal(done, undefined);
    await clock.advance(1);
    assert.deepEqual(done, { result: 'failure', output: 'dial tcp 10.0.0.5:8080: i/o timeout' });
  });

  test('with selfTimed on the real clock the handler\'s own verdict stands, and the worker\'s signal reaches it', async () => {
    const seen: AbortSignal[] = [];
    const h = handlers({ selfTimed: true, tcp: async (_h, _p, _t, signal) => { seen.push(signal); return { result: 'failure', output: 'own deadline' }; } });
    const prober = new Prober({ handlers: h, clock: realClock, recorder });
    const stop = new AbortController();
    assert.deepEqual(await prober.probe('Liveness', { tcpSocket: { port: 8080 } }, target('10.0.0.5'), 1, stop.signal), { result: 'failure', output: 'own deadline' });
    assert.equal(seen[0], stop.signal);
  });

  test('an unknown result is retried, three tries in all, and recorded as an error event', async () => {
    let calls = 0;
    const events: string[] = [];
    const h = handlers({ tcp: async () => { calls++; return { result: 'unknown', output: 'no route' }; } });
    const prober = new Prober({ handlers: h, clock: realClock, recorder: { event: (_p, _t, reason, message) => { events.push(`${reason}: ${message}`); } } });
    assert.equal((await prober.probe('Liveness', { tcpSocket: { port: 8080 } }, target('10.0.0.5'), 1, new AbortController().signal)).result, 'unknown');
    assert.equal(calls, 3);
    assert.deepEqual(events, ['Unhealthy: Liveness probe errored: no route']);
  });
});

describe('ProbeMetrics', () => {
  test('counts and durations render as upstream\'s series; a forgotten series disappears', () => {
    const m = new ProbeMetrics();
    const s = m.open({ probeType: 'Readiness', container: 'web', pod: 'p', namespace: 'default', podUid: 'u1' });
    s.observe('successful', 0.004);
    s.observe('successful', 0.3);
    s.observe('failed', 0.02);
    const text = m.render();
    assert.match(text, /^prober_probe_total\{container="web",namespace="default",pod="p",pod_uid="u1",probe_type="Readiness",result="successful"\} 2$/m);
    assert.match(text, /^prober_probe_total\{container="web",namespace="default",pod="p",pod_uid="u1",probe_type="Readiness",result="failed"\} 1$/m);
    assert.doesNotMatch(text, /result="unknown"/);
    assert.match(text, /^prober_probe_duration_seconds_bucket\{container="web",namespace="default",pod="p",probe_type="Readiness",le="0.005"\} 1$/m);
    assert.match(text, /^prober_probe_duration_seconds_bucket\{container="web",namespace="default",pod="p",probe_type="Readiness",le="0.25"\} 1$/m);
    assert.match(text, /^prober_probe_duration_seconds_bucket\{container="web",namespace="default",pod="p",probe_type="Readiness",le="0.5"\} 2$/m);
    assert.match(text, /^prober_probe_duration_seconds_count\{container="web",namespace="default",pod="p",probe_type="Readiness"\} 2$/m);
    assert.match(text, /^prober_probe_duration_seconds_sum\{container="web",namespace="default",pod="p",probe_type="Readiness"\} 0.304$/m);
    m.forget(s);
    assert.doesNotMatch(m.render(), /pod="p"/);
  });
});
