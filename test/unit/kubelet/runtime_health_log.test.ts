import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statusErrorFrom } from '../../../src/kubelet/client/client.ts';
import { loadKubeconfig, resolveClientConfig } from '../../../src/kubelet/client/kubeconfig.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import { healthzAnswer, syncLoopCheck } from '../../../src/kubelet/healthz.ts';
import { createLogger, silentLogger } from '../../../src/kubelet/log.ts';
import { RuntimeState, conditionErrors } from '../../../src/kubelet/runtimestate.ts';
import type { RuntimeProbe } from '../../../src/kubelet/runtimestate.ts';
import type { StatusResponse } from '../../../src/kubelet/runtime/cri/client.ts';

function statusResponse(networkReady: boolean): StatusResponse {
  return {
    status: {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        { type: 'NetworkReady', status: networkReady, reason: networkReady ? '' : 'NetworkPluginNotReady', message: networkReady ? '' : 'Network plugin returns error: cni plugin not initialized' },
      ],
    },
    info: {},
    runtimeHandlers: [],
    features: null,
  };
}

test('runtime state: not yet checked, up, network not ready, down after 30 s of silence', async () => {
  const clock = new FakeClock();
  let reachable = false;
  let networkReady = false;
  const probe: RuntimeProbe = {
    status: async () => {
      if (!reachable) throw new Error('connect ENOENT /run/containerd/containerd.sock');
      return statusResponse(networkReady);
    },
    version: async () => ({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' }),
  };
  const rs = new RuntimeState(probe, clock, silentLogger);
  assert.deepEqual(rs.errors(), ['container runtime status check may not have completed yet']);
  const ac = new AbortController();
  const loop = rs.run(ac.signal);
  await settle();
  assert.deepEqual(rs.errors(), ['container runtime is down'], 'a runtime that never answered is down');
  assert.match(rs.current().lastFailure ?? '', /ENOENT/);
  reachable = true;
  await clock.advance(200); // backoff while away: retried soon
  assert.deepEqual(rs.errors(), [
    'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
  ]);
  assert.equal(rs.current().version, 'containerd://1.6.20');
  networkReady = true;
  await clock.advance(5_000);
  assert.deepEqual(rs.errors(), []);
  reachable = false;
  await clock.advance(29_000);
  assert.deepEqual(rs.errors(), []);
  await clock.advance(1_000);
  assert.deepEqual(rs.errors(), ['container runtime is down']);
  ac.abort();
  await loop;
});

test('RuntimeReady=false is a runtime error with the runtime message', () => {
  const res = statusResponse(true);
  res.status!.conditions[0] = { type: 'RuntimeReady', status: false, reason: 'Broken', message: 'no runc' };
  assert.equal(conditionErrors(res).runtimeError, 'container runtime not ready: RuntimeReady=false reason:Broken message:no runc');
});

test('healthz: ok while checks pass, 500 listing the failing check otherwise', () => {
  const clock = new FakeClock();
  let last: Date | undefined = clock.now();
  const checks = [syncLoopCheck(() => last, () => clock.now(), 300_000), { name: 'runtime', check: () => undefined as string | undefined }];
  assert.deepEqual(healthzAnswer(checks), { code: 200, body: 'ok' });
  last = new Date(clock.now().getTime() - 300_001);
  const bad = healthzAnswer(checks);
  assert.equal(bad.code, 500);
  assert.match(bad.body, /^\[-\]syncloop failed: sync loop took longer than expected/m);
  assert.match(bad.body, /^\[\+\]runtime ok$/m);
  assert.match(bad.body, /healthz check failed\n$/);
  last = undefined; // never ticked yet: not a failure (as upstream)
  const down = healthzAnswer([checks[0], { name: 'runtime', check: () => 'container runtime is down' }]);
  assert.equal(down.code, 500);
  assert.match(down.body, /\[-\]runtime failed: container runtime is down/);
});

test('logger: V(level) lines print only up to --v, with their level in JSON', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'json', write: (l) => lines.push(l), verbosity: 2 });
  log.v(2).info('shown', { n: 1 });
  log.v(3).info('hidden');
  log.info('plain');
  assert.deepEqual(lines.map((l) => [JSON.parse(l).msg, JSON.parse(l).v]), [['shown', 2], ['plain', 0]]);
  createLogger({ write: (l) => lines.push(l) }).v(1).info('hidden at the default verbosity');
  assert.equal(lines.length, 2);
});

test('logger: klog text and JSON lines', () => {
  const lines: string[] = [];
  const now = () => new Date('2026-11-27T03:55:00.123Z');
  createLogger({ format: 'text', write: (l) => lines.push(l), now, pid: 1234 }).info('Starting kubelet', { node: 'n1' });
  assert.match(lines[0], /^I1127 03:55:00\.123000    1234 runtime_health_log\.test\.ts:\d+\] "Starting kubelet" node="n1"$/);
  createLogger({ format: 'json', write: (l) => lines.push(l), now }).error('Failed', new Error('boom'), { node: 'n1' });
  const j = JSON.parse(lines[1]);
  assert.equal(j.ts, Date.parse("2026-11-27T03:55:00.123Z") / 1000);
  assert.equal(j.msg, 'Failed');
  assert.equal(j.err, 'boom');
  assert.equal(j.node, 'n1');
  assert.match(j.caller, /runtime_health_log\.test\.ts:\d+/);
});

test('kubeconfig: current context, embedded and file credentials, legacy --api-servers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-kc-'));
  await writeFile(join(dir, 'ca.crt'), 'CA PEM');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const file = join(dir, 'kubelet.kubeconfig');
  await writeFile(file, `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: https://other:1}
- name: berth
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority: ca.crt
users:
- name: node
  user:
    client-certificate-data: ${b64('CERT')}
    client-key-data: ${b64('KEY')}
contexts:
- name: ctx
  context: {cluster: berth, user: node}
current-context: ctx
`);
  const c = await loadKubeconfig(file);
  assert.deepEqual(c, { server: 'https://127.0.0.1:6443', caPem: 'CA PEM', certPem: 'CERT', keyPem: 'KEY', token: undefined, insecureSkipTLSVerify: false });
  const legacy = await resolveClientConfig(file, ['https://10.0.0.1:6443']);
  assert.equal(legacy?.server, 'https://10.0.0.1:6443');
  assert.equal(legacy?.certPem, 'CERT');
  assert.equal(await resolveClientConfig(undefined, []), undefined);
  await assert.rejects(resolveClientConfig(undefined, ['10.0.0.1']), /invalid --api-servers URL "10\.0\.0\.1"/);
});

test('API errors carry the server Status; non-Status bodies get a reason from the code', () => {
  const e = statusErrorFrom(403, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'nodes "n2" is forbidden: ...' }), 'PATCH', '/api/v1/nodes/n2/status');
  assert.equal(e.code, 403);
  assert.equal(e.reason, 'Forbidden');
  assert.equal(e.message, 'nodes "n2" is forbidden: ...');
  const g = statusErrorFrom(502, 'bad gateway', 'GET', '/api/v1/nodes/n1');
  assert.equal(g.reason, 'InternalError');
  assert.match(g.message, /502 to GET \/api\/v1\/nodes\/n1: bad gateway/);
});
