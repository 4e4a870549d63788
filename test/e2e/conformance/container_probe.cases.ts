// Port of upstream's test/e2e/common/node/container_probe.go ("Probing container"), the cases
// tagged [NodeConformance]. agnhost's servers are busybox stand-ins (busybox_stand_ins.ts); the
// gRPC health server, which busybox has none of, lives in this test process and is probed from a
// hostNetwork pod (whose IP is the node's, 127.0.0.1). Upstream's 4-minute "never restarted"
// windows are shortened; each says why its length still catches the failure.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { BUSYBOX, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';
import { cleanup, httpServerContainer, podOf, runLivenessTest } from './busybox_stand_ins.ts';

const D = '[sig-node] Probing container';
const busybox = (name: string, script: string, probes: Json, spec: Json = {}) =>
  podOf(name, [{ name: 'busybox', image: BUSYBOX, command: ['/bin/sh', '-c', script], ...probes }], spec, { labels: { test: 'liveness' } });
const webserver = (name: string, probes: Json) => podOf(name, [httpServerContainer('test-webserver', [80], 'echo', probes)]);
const liveness = (name: string, probes: Json) => podOf(name, [httpServerContainer('agnhost-container', [8080], 'liveness', probes)], {}, { labels: { test: 'liveness' } });
const exec = (...command: string[]) => ({ exec: { command } });
const httpGet = (path: string, port: number) => ({ httpGet: { path, port } });
const isReady = (p: Json) => p.status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True') ?? false;
const restarts = (p: Json) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].reduce((n: number, s: Json) => n + s.restartCount, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A restart-free window long enough to see the probe run several times: the initial delay
// (15 s) plus three default 10 s periods. With failureThreshold 1 the first failing probe
// restarts the container, so a probe that wrongly fails shows within this window.
const NO_RESTART_WINDOW = 45_000;

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();
  let grpcServer: grpc.Server;
  let grpcPort: number;

  before(async () => {
    const protoFile = join(import.meta.dirname, '..', '..', '..', 'src', 'kubelet', 'prober', 'health.proto');
    const def = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true, enums: String })) as Json;
    grpcServer = new grpc.Server();
    grpcServer.addService(def.grpc.health.v1.Health.service, { Check: (_c: unknown, cb: (e: null, r: object) => void) => cb(null, { status: 'SERVING' }) });
    grpcPort = await new Promise<number>((r, j) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
  });
  after(async () => {
    grpcServer?.forceShutdown();
  });

  it(`${D} with readiness probe should not be ready before initial delay and never restart [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('test-webserver');
    await f.create(webserver(name, { readinessProbe: { ...httpGet('/', 80), initialDelaySeconds: 15 } }));
    const p = await f.waitRunningReady(name, 60_000);
    const readyAt = Date.parse(p.status.conditions.find((c: Json) => c.type === 'Ready').lastTransitionTime);
    const startedAt = Date.parse(p.status.containerStatuses.find((s: Json) => s.name === 'test-webserver').state.running.startedAt);
    assert.ok(readyAt - startedAt >= 15_000, `pod became ready ${(readyAt - startedAt) / 1000} s after the container started, before its 15 s initial delay`);
    assert.equal(restarts(p), 0);
    await cleanup(f, name);
  });

  it(`${D} with readiness probe that fails should never be ready and never restart [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('test-webserver');
    await f.create(webserver(name, { readinessProbe: httpGet('/', 81) }));
    await f.waitPod(name, 'Running', (p) => p.status?.phase === 'Running');
    // Upstream watches a minute. The probe (period 10 s, no initial delay) runs at about 0, 10
    // and 20 s; a kubelet that wrongly turns the pod Ready does so at the first one.
    const until = Date.now() + 25_000;
    let p: Json;
    do {
      p = await f.pod(name);
      assert.equal(isReady(p), false, 'pod should not be ready');
      await sleep(1000);
    } while (Date.now() < until);
    assert.equal(restarts(p), 0);
    await cleanup(f, name);
  });

  it(`${D} should be restarted with a exec "cat /tmp/health" liveness probe [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('busybox');
    await runLivenessTest(f, busybox(name, 'echo ok >/tmp/health; sleep 10; rm -rf /tmp/health; sleep 600', {
      livenessProbe: { ...exec('cat', '/tmp/health'), initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 1 },
    }), 1, 60_000);
    await cleanup(f, name);
  });

  it(`${D} should *not* be restarted with a exec "cat /tmp/health" liveness probe [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('busybox');
    await runLivenessTest(f, busybox(name, 'echo ok >/tmp/health; sleep 600', {
      livenessProbe: { ...exec('cat', '/tmp/health'), initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 1 },
    }), 0, NO_RESTART_WINDOW);
    await cleanup(f, name);
  });

  it(`${D} should be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('liveness');
    await runLivenessTest(f, liveness(name, { livenessProbe: { ...httpGet('/healthz', 8080), initialDelaySeconds: 15, failureThreshold: 1 } }), 1, 60_000);
    await cleanup(f, name);
  });

  it(`${D} should *not* be restarted with a tcp:8080 liveness probe [NodeConformance] [Conformance]`, async () => {
    // The server's /healthz fails from 10 s on, but its socket stays open: every TCP probe
    // (15 s on) runs while HTTP would fail.
    const name = uniqueName('liveness');
    await runLivenessTest(f, liveness(name, { livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 15, failureThreshold: 1 } }), 0, NO_RESTART_WINDOW);
    await cleanup(f, name);
  });

  it(`${D} should have monotonically increasing restart count [NodeConformance] [Conformance]`, async () => {
    // Upstream waits for 5 restarts (about 4 minutes, most of it the kubelet's crash back-off
    // of 10, 20, 40 and 80 s). Three restarts (back-off 0, 10, 20 s) still show the count
    // rising by one per liveness kill and never going down, in under 90 s.
    const name = uniqueName('liveness');
    await runLivenessTest(f, liveness(name, { livenessProbe: { ...httpGet('/healthz', 8080), initialDelaySeconds: 5, failureThreshold: 1 } }), 3, 100_000);
    await cleanup(f, name);
  });

  it(`${D} should *not* be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('test-webserver');
    await runLivenessTest(f, webserver(name, {
      livenessProbe: { ...httpGet('/', 80), initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 5 },
    }), 0, NO_RESTART_WINDOW);
    await cleanup(f, name);
  });

  it(`${D} should be restarted with an exec liveness probe with timeout [MinimumKubeletVersion:1.20] [NodeConformance]`, async () => {
    const name = uniqueName('busybox');
    await runLivenessTest(f, busybox(name, 'sleep 600', {
      livenessProbe: { ...exec('/bin/sh', '-c', 'sleep 10'), initialDelaySeconds: 15, timeoutSeconds: 1, failureThreshold: 1 },
    }), 1, 60_000);
    await cleanup(f, name);
  });

  it(`${D} should not be ready with an exec readiness probe timeout [MinimumKubeletVersion:1.20] [NodeConformance]`, async () => {
    const name = uniqueName('busybox');
    await f.create(busybox(name, 'sleep 600', {
      readinessProbe: { ...exec('/bin/sh', '-c', 'sleep 10'), initialDelaySeconds: 15, timeoutSeconds: 1, failureThreshold: 1 },
    }));
    await f.waitPod(name, 'not Pending', (p) => p.status?.phase && p.status.phase !== 'Pending');
    // Upstream watches a minute; the probe first runs at 15 s and again at 25 s, each timing
    // out after 1 s. A kubelet that ignores the timeout (the probe's command exits 0 after
    // 10 s) turns the pod Ready by about 26 s, inside this 35 s window.
    const until = Date.now() + 35_000;
    do {
      assert.equal(isReady(await f.pod(name)), false, 'pod should not be ready');
      await sleep(2000);
    } while (Date.now() < until);
    await cleanup(f, name);
  });

  it(`${D} should override timeoutGracePeriodSeconds when LivenessProbe field is set [NodeConformance]`, async () => {
    // The probe fails (nothing serves 8080). The container ignores SIGTERM (sleep as PID 1),
    // so the kill takes the whole grace period: the probe's 5 s, not the pod's 500 s.
    const name = uniqueName('busybox');
    await runLivenessTest(f, busybox(name, 'sleep 1000', {
      livenessProbe: { ...httpGet('/healthz', 8080), initialDelaySeconds: 10, failureThreshold: 1, terminationGracePeriodSeconds: 5 },
    }, { terminationGracePeriodSeconds: 500 }), 1, 60_000);
    await cleanup(f, name);
  });

  it(`${D} should override timeoutGracePeriodSeconds when StartupProbe field is set [NodeConformance]`, async () => {
    const name = uniqueName('busybox');
    await runLivenessTest(f, busybox(name, 'sleep 1000', {
      livenessProbe: { ...exec('/bin/true'), initialDelaySeconds: 15, failureThreshold: 1 },
      startupProbe: { ...exec('/bin/cat', '/tmp/startup'), initialDelaySeconds: 10, failureThreshold: 1, terminationGracePeriodSeconds: 5 },
    }, { terminationGracePeriodSeconds: 500 }), 1, 60_000);
    await cleanup(f, name);
  });

  it(`${D} should *not* be restarted with a GRPC liveness probe [NodeConformance] [Conformance]`, async () => {
    // agnhost's grpc-health-checking server is this process's (SERVING); a hostNetwork pod
    // reaches it on the node's address.
    const name = uniqueName('test-grpc');
    await runLivenessTest(f, podOf(name, [{
      name: 'agnhost', image: BUSYBOX, command: ['sh', '-c', 'sleep 600'],
      livenessProbe: { grpc: { port: grpcPort }, initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 1 },
    }], { hostNetwork: true }), 0, NO_RESTART_WINDOW);
    await cleanup(f, name);
  });

  it(`${D} should be restarted with a GRPC liveness probe [NodeConformance] [Conformance]`, async () => {
    // Nothing listens on 2333 in the pod (upstream's server is on 5000). Upstream's initial
    // delay is 60 s; 15 s tests the same failure.
    const name = uniqueName('test-grpc');
    await runLivenessTest(f, podOf(name, [{
      name: 'agnhost', image: BUSYBOX, command: ['sh', '-c', 'sleep 600'], ports: [{ containerPort: 5000 }, { containerPort: 8080 }],
      livenessProbe: { grpc: { port: 2333 }, initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 1 },
    }]), 1, 60_000);
    await cleanup(f, name);
  });
});
