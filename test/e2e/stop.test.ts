// Components stop within 30 s of SIGTERM while lifecycle hooks hang on an address that never
// answers (issue #14, item 11): `berth up` with a postStart hook in a pod's sync and a preStop
// hook in a pod's termination, and `berth kubelet` killing an orphaned pod whose preStop hangs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { blackhole, synSentTo } from '../support/blackhole.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';
import { freePort } from '../support/ports.ts';

const berth = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');
const busybox = 'localhost/busybox:1.35';

interface Stopped {
  /** ms from SIGTERM to exit, or undefined when still running at the limit. */
  exitMs?: number;
  code?: number | null;
  /** ms from SIGTERM until the process had no connection to the port in SYN-SENT. */
  hooksGoneMs?: number;
}

/** Sends SIGTERM and watches for at most limitMs: when the hook connections go, when the process exits. */
async function terminate(proc: ChildProcess, holePort: number, limitMs: number): Promise<Stopped> {
  const sent = Date.now();
  const out: Stopped = {};
  const exited = new Promise<void>((r) => proc.once('exit', (code) => {
    out.exitMs = Date.now() - sent;
    out.code = code;
    r();
  }));
  proc.kill('SIGTERM');
  while (out.exitMs === undefined && Date.now() - sent < limitMs) {
    if (out.hooksGoneMs === undefined && synSentTo(proc.pid!, holePort) === 0) out.hooksGoneMs = Date.now() - sent;
    await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
  }
  return out;
}

const apply = (kc: string, obj: object) => kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
const phase = async (kc: string, name: string) => JSON.parse(await kubectlOk(kc, ['get', 'pod', name, '-o', 'json'])).status?.phase;

/** A pod whose one container ignores SIGTERM (sleep as PID 1), so its stop takes the whole grace period. */
function hookPod(name: string, lifecycle: object, grace: number): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { terminationGracePeriodSeconds: grace, containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'], lifecycle }] },
  };
}

describe('berth up stops while lifecycle hooks hang', () => {
  let dir: string;
  let hole: Awaited<ReturnType<typeof blackhole>>;
  let proc: ChildProcess | undefined;
  let out = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-up-stop-'));
    hole = await blackhole();
  });
  after(async () => {
    proc?.kill('SIGKILL');
    hole?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ends a postStart and a preStop httpGet hook in SYN-SENT at once and exits within 30 s of SIGTERM', async () => {
    const [api, kubelet, healthz] = [await freePort(), await freePort(), await freePort()];
    proc = spawn(process.execPath, [berth, 'up', '--data-dir', dir, '--secure-port', String(api), '--kubelet-port', String(kubelet), '--healthz-port', String(healthz), '--cadvisor-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (out = (out + d).slice(-50_000)));
    proc.stderr!.on('data', (d) => (out = (out + d).slice(-50_000)));
    await eventually(() => out.includes('Berth is up'), 90_000, 'the start-up message');
    const kc = join(dir, 'admin.kubeconfig');
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 30_000, 'the default service account');

    const hook = { httpGet: { host: '127.0.0.1', port: hole.port, path: '/hook' } };
    // preStop: runs once the pod is deleted, for up to its grace period.
    await apply(kc, hookPod('prestop', { preStop: hook }, 300));
    await eventually(async () => (await phase(kc, 'prestop')) === 'Running', 60_000, 'the preStop pod running');
    await kubectlOk(kc, ['delete', 'pod', 'prestop', '--wait=false']);
    // postStart: holds the pod's first sync.
    await apply(kc, hookPod('poststart', { postStart: hook }, 300));
    await eventually(() => synSentTo(proc!.pid!, hole.port) >= 2, 60_000, 'both hook calls in SYN-SENT');

    const r = await terminate(proc, hole.port, 30_000);
    console.log(`berth up: hook connections gone ${r.hooksGoneMs} ms and exit ${r.exitMs} ms after SIGTERM (code ${r.code})`);
    assert.ok(r.exitMs !== undefined, `berth up still running 30 s after SIGTERM; its output ends:\n${out.slice(-4000)}`);
    assert.equal(r.code, 0, out.slice(-4000));
    // The kubelet stops first: its signal ends the hooks' calls, not a connect timeout later.
    assert.ok(r.hooksGoneMs !== undefined && r.hooksGoneMs < 3_000, `the hook connections lasted ${r.hooksGoneMs} ms after SIGTERM`);
    proc = undefined;
  });
});

describe('berth kubelet stops while an orphaned pod is killed with a hanging preStop hook', () => {
  let cluster: TestCluster;
  let hole: Awaited<ReturnType<typeof blackhole>>;
  const node = 'stop-1';

  before(async () => {
    hole = await blackhole();
    cluster = await startTestCluster();
  });
  after(async () => {
    await cluster?.stop();
    hole?.close();
  });

  it('exits within 30 s of SIGTERM', async () => {
    const kc = cluster.kubeconfig;
    await cluster.startKubelet(node);
    await eventually(async () => /Ready/.test(await kubectlOk(kc, ['get', 'node', node])), 30_000, 'the node');
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 30_000, 'the default service account');
    await apply(kc, hookPod('orphan', { preStop: { httpGet: { host: '127.0.0.1', port: hole.port } } }, 300));
    await eventually(async () => (await phase(kc, 'orphan')) === 'Running', 60_000, 'the pod running');
    // Gone from the API while no kubelet watched: the next kubelet finds it only in the runtime.
    await cluster.killKubelet(node, 'SIGKILL');
    await kubectlOk(kc, ['delete', 'pod', 'orphan', '--force', '--grace-period=0']);
    const k = await cluster.startKubelet(node);
    await eventually(() => synSentTo(k.proc.pid!, hole.port) >= 1, 60_000, "the orphan's preStop call in SYN-SENT");

    const r = await terminate(k.proc, hole.port, 30_000);
    console.log(`berth kubelet: hook connection gone ${r.hooksGoneMs} ms and exit ${r.exitMs} ms after SIGTERM (code ${r.code})`);
    assert.ok(r.exitMs !== undefined, `berth kubelet still running 30 s after SIGTERM; its log ends:\n${k.log().slice(-4000)}`);
    assert.equal(r.code, 0, k.log().slice(-4000));
  });
});
