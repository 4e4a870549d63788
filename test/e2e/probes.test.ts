// Container health checks end to end: exec probes toggled through a hostPath file, and httpGet,
// tcpSocket and grpc probes against servers in this test process (a hostNetwork pod, whose IP is
// the node's 127.0.0.1), with a Service whose endpoints follow readiness.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';
import { freePort } from '../support/ports.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';

describe('probes', () => {
  let cluster: TestCluster;
  let kc: string;
  let health: string;
  let httpServer: Server;
  let httpStatus = 200;
  let httpPort: number;
  let grpcServer: grpc.Server;
  let grpcPort: number;
  let grpcStatus = 'SERVING';
  let refusedPort: number;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const apply = (obj: object) => kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const podJson = async (name: string) => JSON.parse(await k('get', 'pod', name, '-o', 'json'));
  const ready = async (name: string) => (await podJson(name)).status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';
  const container = async (name: string) => (await podJson(name)).status?.containerStatuses?.[0];

  before(async () => {
    httpServer = createServer((_req, res) => {
      res.statusCode = httpStatus;
      res.end('probe target');
    });
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    httpPort = (httpServer.address() as { port: number }).port;
    const protoFile = join(import.meta.dirname, '..', '..', 'src', 'kubelet', 'prober', 'health.proto');
    const def = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true, enums: String })) as any;
    const service = def.grpc.health.v1.Health.service;
    grpcServer = new grpc.Server();
    grpcServer.addService(service, { Check: (_call: unknown, cb: (e: null, r: object) => void) => cb(null, { status: grpcStatus }) });
    grpcPort = await new Promise<number>((r, j) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
    refusedPort = await freePort();
    cluster = await startTestCluster();
    kc = cluster.kubeconfig;
    health = join(cluster.work, 'health');
    await mkdir(health, { recursive: true });
    await cluster.startKubelet(node);
    await eventually(async () => /Ready/.test(await k('get', 'node', node)), 20_000, 'the node');
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 10_000, 'the default service account');
  });
  after(async () => {
    await cluster?.stop();
    httpServer?.close();
    grpcServer?.forceShutdown();
  });

  const healthVolume = () => ({ name: 'health', hostPath: { path: health, type: 'Directory' } });
  const loop = 'trap "exit 0" TERM; while true; do sleep 1; done';
  /** A looping busybox pod with the given probes, the health directory mounted at /health. */
  const healthPod = (name: string, probes: object) =>
    apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: busybox, command: ['sh', '-c', loop], ...probes, volumeMounts: [{ name: 'health', mountPath: '/health' }] }],
        volumes: [healthVolume()],
      },
    });

  it('readiness flips Ready and the Service endpoints both ways', async () => {
    await writeFile(join(health, 'ready'), 'ok');
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'c',
          image: busybox,
          command: ['sh', '-c', loop],
          ports: [{ containerPort: 8080, name: 'http' }],
          readinessProbe: { exec: { command: ['cat', '/health/ready'] }, periodSeconds: 1, failureThreshold: 2, successThreshold: 2 },
          volumeMounts: [{ name: 'health', mountPath: '/health' }],
        }],
        volumes: [healthVolume()],
      },
    });
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } });
    await eventually(() => ready('web'), 30_000, 'web Ready');
    const ip = (await podJson('web')).status.podIP;
    const endpoints = async () => JSON.parse(await k('get', 'endpoints', 'web', '-o', 'json')).subsets?.[0] ?? {};
    await eventually(async () => (await endpoints()).addresses?.[0]?.ip === ip, 10_000, 'the ready address');
    assert.equal((await endpoints()).ports[0].port, 8080);

    // failureThreshold × periodSeconds + timeoutSeconds + 2 s = 5 s for the IP to leave the ready addresses.
    await rm(join(health, 'ready'));
    const failedAt = Date.now();
    await eventually(async () => (await endpoints()).notReadyAddresses?.[0]?.ip === ip, 10_000, 'the address to become not ready');
    assert.ok(Date.now() - failedAt <= 5000 + 1000, `left the ready addresses after ${Date.now() - failedAt} ms`);
    assert.equal(await ready('web'), false);
    const slice = JSON.parse(await k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json')).items[0];
    assert.equal(slice.endpoints[0].conditions.ready, false);
    assert.match(await k('get', 'events', '--field-selector', 'involvedObject.name=web,reason=Unhealthy'), /Readiness probe failed/);

    await writeFile(join(health, 'ready'), 'ok');
    const recoveredAt = Date.now();
    await eventually(async () => (await endpoints()).addresses?.[0]?.ip === ip, 10_000, 'the address to come back');
    assert.ok(Date.now() - recoveredAt <= 5000 + 1000, `came back after ${Date.now() - recoveredAt} ms`);
  });

  it('liveness restarts the container, counting restarts and keeping the last state', async () => {
    await writeFile(join(health, 'alive'), 'ok');
    await healthPod('live', { livenessProbe: { exec: { command: ['cat', '/health/alive'] }, periodSeconds: 1, failureThreshold: 2 } });
    await eventually(async () => (await container('live'))?.state?.running, 30_000, 'live running');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await container('live')).restartCount, 0, 'a healthy container is not restarted');
    await rm(join(health, 'alive'));
    const c = await eventually(async () => {
      const s = await container('live');
      return s?.restartCount >= 1 ? s : undefined;
    }, 20_000, 'a liveness restart');
    await writeFile(join(health, 'alive'), 'ok');
    assert.ok(c.lastState.terminated, 'lastState.terminated kept');
    const events = await k('get', 'events', '--field-selector', 'involvedObject.name=live');
    assert.match(events, /Liveness probe failed/);
    assert.match(events, /Container c failed liveness probe, will be restarted/);
  });

  it('a startup probe holds liveness off until it succeeds', async () => {
    await rm(join(health, 'started'), { force: true });
    await healthPod('slow', {
      startupProbe: { exec: { command: ['cat', '/health/started'] }, periodSeconds: 1, failureThreshold: 60 },
      livenessProbe: { exec: { command: ['cat', '/health/started'] }, periodSeconds: 1, failureThreshold: 1 },
    });
    await eventually(async () => (await container('slow'))?.state?.running, 30_000, 'slow running');
    await new Promise((r) => setTimeout(r, 5000));
    const held = await container('slow');
    assert.equal(held.started, false);
    assert.equal(held.restartCount, 0, 'liveness did not run while startup had not succeeded');
    assert.doesNotMatch(await k('get', 'events', '--field-selector', 'involvedObject.name=slow'), /Liveness probe failed/);
    await writeFile(join(health, 'started'), 'ok');
    await eventually(async () => (await container('slow'))?.started === true, 10_000, 'started');
    assert.equal((await container('slow')).restartCount, 0);
  });

  it('httpGet (399 healthy, 400 not), a refused tcpSocket and a NOT_SERVING grpc probe', async () => {
    const pod = (name: string, readinessProbe: object) =>
      apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: busybox, command: ['sh', '-c', loop], readinessProbe }] } });
    httpStatus = 399;
    grpcStatus = 'SERVING';
    await pod('http', { httpGet: { path: '/healthz', port: httpPort }, periodSeconds: 1, failureThreshold: 1 });
    await pod('tcp-open', { tcpSocket: { port: httpPort }, periodSeconds: 1 });
    await pod('tcp-refused', { tcpSocket: { port: refusedPort }, periodSeconds: 1 });
    await pod('grpc', { grpc: { port: grpcPort }, periodSeconds: 1, failureThreshold: 1 });
    await eventually(async () => (await ready('http')) && (await ready('tcp-open')) && (await ready('grpc')), 30_000, 'http, tcp-open and grpc Ready');
    assert.equal(await ready('tcp-refused'), false);
    assert.match(await k('get', 'events', '--field-selector', 'involvedObject.name=tcp-refused,reason=Unhealthy'), /connection refused/);
    httpStatus = 400;
    grpcStatus = 'NOT_SERVING';
    await eventually(async () => !(await ready('http')) && !(await ready('grpc')), 15_000, 'http and grpc unready');
    assert.match(await k('get', 'events', '--field-selector', 'involvedObject.name=http,reason=Unhealthy'), /HTTP probe failed with statuscode: 400/);
    assert.match(await k('get', 'events', '--field-selector', 'involvedObject.name=grpc,reason=Unhealthy'), /NOT_SERVING/);
  });

  it('counts probes in /metrics/probes', async () => {
    const metrics = await k('get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/probes`);
    const count = (pod: string, result: string) => {
      const m = new RegExp(`prober_probe_total\\{[^}]*pod="${pod}"[^}]*result="${result}"[^}]*\\} (\\d+)`).exec(metrics) ??
        new RegExp(`prober_probe_total\\{[^}]*result="${result}"[^}]*pod="${pod}"[^}]*\\} (\\d+)`).exec(metrics);
      return m ? Number(m[1]) : 0;
    };
    assert.ok(count('tcp-refused', 'failed') > 0, metrics.slice(0, 2000));
    assert.ok(count('tcp-open', 'successful') > 0);
    const later = await k('get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/probes`);
    assert.match(later, /# TYPE prober_probe_total counter/);
  });
});
