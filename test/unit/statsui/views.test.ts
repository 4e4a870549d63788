// The UI's views: points from samples, pass alignment, the node and pod views, live updates,
// probe descriptions and the stream's scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProbe, describeProbes } from '../../../src/kubelet/statsui/probes.ts';
import { isPageRoute } from '../../../src/kubelet/statsui/server.ts';
import { parseScope, scopeKey } from '../../../src/kubelet/statsui/stream.ts';
import { fillFs, latestOnly, nodeView, podView, pointOf, type Point } from '../../../src/kubelet/statsui/views.ts';
import { fakeSource, GiB, MiB } from './fake_source.ts';

const near = (a: number | undefined, b: number, what: string) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-6 * Math.max(1, b), `${what}: ${a} ≉ ${b}`);

test('pointOf: cores from nano-cores, summed interface rates, container fs = logs + writable layer', () => {
  const source = fakeSource({ intervalMs: 10_000 });
  const [first, second] = source.samples('c-nginx');
  const p0 = pointOf(first);
  assert.equal(p0.cpu, undefined, 'no rate on the first sample');
  near(p0.t, first.timestamp.getTime() / 1000, 't');
  const p1 = pointOf(second);
  near(p1.cpu, 0.5, 'cpu');
  assert.equal(p1.mem, second.memory.workingSetBytes);
  assert.equal(p1.fs, 12 * MiB + 4096 + MiB);
  const pod = pointOf(source.samples('/kubepods/burstable/poduid-web')[1]);
  near(pod.rx, 50_000, 'rx');
  near(pod.tx, 25_000, 'tx');
});

test('fillFs sums the sources observed in the same pass and leaves other points alone', () => {
  const series: Point[] = [{ t: 100 }, { t: 110 }, { t: 120 }];
  const a: Point[] = [{ t: 100.02, fs: 5 }, { t: 110.01, fs: 6 }];
  const b = [{ t: 110.03, used: 10 }, { t: 114, used: 99 }];
  assert.deepEqual(fillFs(series, [a, b], 5), [{ t: 100, fs: 5 }, { t: 110, fs: 16 }, { t: 120 }]);
  assert.equal(fillFs(series, [], 5), series);
});

test('nodeView: machine, the root series, the Summary filesystem and a row per pod', () => {
  const source = fakeSource({ samples: 5 });
  const v = nodeView(source, [{ t: source.samples('/')[4].timestamp.getTime() / 1000, used: 41 * GiB }]);
  assert.equal(v.nodeName, 'node-a');
  assert.deepEqual([v.machine.cores, v.machine.memoryBytes], [2, 8 * GiB]);
  assert.equal(v.series.length, 5);
  near(v.series[4].cpu, 1.7, 'node cpu');
  assert.equal(v.series[4].fs, 41 * GiB, 'node fs from the recorded Summary');
  assert.equal(v.series[3].fs, undefined);
  assert.equal(v.fs?.capacityBytes, 100 * GiB);
  const web = v.pods.find((p) => p.name === 'web')!;
  assert.deepEqual([web.namespace, web.phase, web.ready, web.containers, web.restarts], ['default', 'Running', 1, 2, 2]);
  near(web.cpu, 0.52, 'web cpu');
  assert.equal(web.memLimit, 512 * MiB);
  assert.equal(v.pods.find((p) => p.name === 'db-0')!.memLimit, undefined);
});

test('podView: limits, containers with probes, restarts and last termination, fs summed from containers', () => {
  const source = fakeSource({ samples: 4 });
  const v = podView(source, 'default', 'web')!;
  assert.equal(v.uid, 'uid-web');
  assert.deepEqual(v.limits, { memory: 512 * MiB, cpu: 0.6 });
  assert.deepEqual(v.capacity, { cpu: 2, memory: 8 * GiB });
  assert.equal(v.qosClass, 'Burstable');
  assert.deepEqual(v.conditions, [
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: 'False' },
  ]);
  const [nginx, sidecar] = v.containers;
  assert.equal(nginx.name, 'nginx');
  assert.deepEqual(nginx.limits, { cpu: 0.5, memory: 256 * MiB });
  assert.deepEqual(nginx.requests, { cpu: 0.25, memory: 128 * MiB });
  assert.deepEqual(
    nginx.probes.map((p) => [p.type, p.result]),
    [
      ['liveness', 'success'],
      ['readiness', 'success'],
    ],
  );
  assert.equal(nginx.state, 'running');
  assert.equal(nginx.series.length, 4);
  assert.equal(sidecar.restarts, 2);
  assert.deepEqual(sidecar.lastTermination, { reason: 'OOMKilled', exitCode: 137, finishedAt: undefined });
  // Pod fs: both containers' logs + writable layers, pass by pass.
  assert.equal(v.series[3].fs, nginx.series[3].fs! + sidecar.series[3].fs!);
  assert.equal(podView(source, 'default', 'missing'), undefined);
});

test('latestOnly keeps one point per series', () => {
  const v = latestOnly(podView(fakeSource(), 'default', 'web')!);
  assert.equal(v.series.length, 1);
  assert.deepEqual(
    v.containers.map((c) => c.series.length),
    [1, 1],
  );
  assert.equal(latestOnly(nodeView(fakeSource())).series.length, 1);
});

test('probes are described as kubectl describe prints them, results from the status', () => {
  assert.equal(describeProbe({ httpGet: { path: '/healthz', port: 8080 } }), 'http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3');
  assert.equal(describeProbe({ tcpSocket: { port: 5432 }, initialDelaySeconds: 5, failureThreshold: 1 }), 'tcp-socket :5432 delay=5s timeout=1s period=10s #success=1 #failure=1');
  assert.equal(describeProbe({ exec: { command: ['cat', '/tmp/ok'] } }).split(' delay')[0], 'exec [cat /tmp/ok]');
  assert.equal(describeProbe({ grpc: { port: 9000 } }).split(' delay')[0], 'grpc <pod>:9000');
  const spec = { startupProbe: { exec: {} }, livenessProbe: { exec: {} }, readinessProbe: { exec: {} } };
  const results = (status: object | undefined) => describeProbes(spec, status).map((p) => `${p.type}=${p.result}`);
  assert.deepEqual(results({ state: { running: {} }, started: false, ready: false }), ['startup=pending', 'liveness=pending', 'readiness=pending']);
  assert.deepEqual(results({ state: { running: {} }, started: true, ready: false }), ['startup=success', 'liveness=success', 'readiness=failure']);
  assert.deepEqual(results({ state: { waiting: { reason: 'CrashLoopBackOff' } } }), ['startup=unknown', 'liveness=unknown', 'readiness=unknown']);
  assert.deepEqual(describeProbes({}, undefined), []);
});

test('stream scopes and page routes', () => {
  assert.deepEqual(parseScope(new URLSearchParams()), { kind: 'node' });
  assert.deepEqual(parseScope(new URLSearchParams('pod=default/web')), { kind: 'pod', namespace: 'default', name: 'web' });
  assert.equal(parseScope(new URLSearchParams('pod=web')), undefined);
  assert.equal(parseScope(new URLSearchParams('pod=default/')), undefined);
  assert.equal(scopeKey({ kind: 'pod', namespace: 'a', name: 'b' }), 'pod/a/b');
  assert.ok(isPageRoute('/'));
  assert.ok(isPageRoute('/pods/default/web'));
  assert.ok(isPageRoute('/containers/default/web/nginx'));
  assert.ok(!isPageRoute('/pods/default'));
  assert.ok(!isPageRoute('/api/ui/node'));
});
