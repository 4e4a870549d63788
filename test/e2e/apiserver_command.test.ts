// The `berth apiserver` command itself (issue #15, item 7), not the in-process server the other
// apiserver tests use: started as a user would (`node bin/berth.js apiserver ...`) on SQLite and on
// etcd, driven with the real kubectl through the admin kubeconfig it writes, stopped with SIGTERM
// (exit 0 within 30 s) and started again on the same data dir with its objects still there.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startEtcd, type EtcdProcess } from '../support/etcd.ts';
import { eventually, kubectl, kubectlOk, kubectlStream } from '../support/kubectl.ts';
import { freePort } from '../support/ports.ts';

const berth = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

interface Running {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCommand(args: string[]): Running {
  const proc = spawn(process.execPath, [berth, 'apiserver', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-50_000)));
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-50_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, output: () => out, exited };
}

/** GET path on the server the kubeconfig names, trusting only the CA it carries. */
function getWithKubeconfig(kubeconfig: string, path: string): Promise<{ status: number; body: string }> {
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8'));
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users[0].user;
  const url = new URL(path, cluster.server);
  const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
      headers: user.token ? { authorization: `Bearer ${user.token}` } : {},
      timeout: 2000,
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Waits for the admin kubeconfig and for /readyz answering ok through it; fails early if the command exits. */
async function waitReady(run: Running, kubeconfig: string, port: number): Promise<void> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void run.exited.then((e) => (exit = e));
  await eventually(async () => {
    if (exit) throw new Error(`berth apiserver exited (${exit.code ?? exit.signal}) before it was ready:\n${run.output()}`);
    if (!existsSync(kubeconfig)) return false;
    const server = parseYaml(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server as string;
    assert.equal(new URL(server).port, String(port), `the kubeconfig names the --secure-port: ${server}`);
    const r = await getWithKubeconfig(kubeconfig, '/readyz');
    return r.status === 200 && r.body === 'ok';
  }, 40_000, 'the admin kubeconfig and /readyz').catch((e) => {
    if (exit) throw new Error(`berth apiserver exited (${exit.code ?? exit.signal}) before it was ready:\n${run.output()}`);
    throw new Error(`${(e as Error).message}\ncommand output:\n${run.output()}`);
  });
}

/** SIGTERM, then the exit: code and ms taken (at most limitMs; undefined code when still running). */
async function terminate(run: Running, limitMs: number): Promise<{ code?: number | null; signal?: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  run.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    run.exited,
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), limitMs))),
  ]);
  clearTimeout(timer);
  return { code: res?.code, signal: res?.signal, ms: Date.now() - t0 };
}

for (const backend of ['sqlite', 'etcd'] as const) {
describe(`the berth apiserver command (${backend})`, () => {
  let dir: string;
  let etcd: EtcdProcess | undefined;
  let storageArgs: string[];
  const running: Running[] = [];

  const start = async (): Promise<{ run: Running; kc: string }> => {
    const port = await freePort();
    const run = startCommand(['--data-dir', dir, '--secure-port', String(port), '--bind-address', '127.0.0.1', ...storageArgs]);
    running.push(run);
    const kc = join(dir, 'admin.kubeconfig');
    await waitReady(run, kc, port);
    return { run, kc };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `berth-apiserver-cmd-${backend}-`));
    if (backend === 'etcd') etcd = await startEtcd();
    storageArgs = etcd ? ['--storage', 'etcd', '--etcd-servers', etcd.endpoint] : ['--storage', 'sqlite'];
  });
  after(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves kubectl, stops on SIGTERM with exit 0 within 30 s, and keeps its objects across a restart', async (t) => {
    const t0 = Date.now();
    const first = await start();
    t.diagnostic(`ready after ${Date.now() - t0} ms`);
    const kc = first.kc;
    const k = (...args: string[]) => kubectlOk(kc, args);
    const ns = 'cmd-e2e';

    // Discovery through the command's own server.
    const resources = await k('api-resources', '--no-headers');
    for (const r of ['pods', 'configmaps', 'namespaces', 'leases']) assert.match(resources, new RegExp(`^${r}\\s`, 'm'));

    assert.match(await k('create', 'namespace', ns), new RegExp(`namespace/${ns} created`));
    assert.equal(JSON.parse(await k('get', 'namespace', ns, '-o', 'json')).status.phase, 'Active');

    assert.match(await k('create', 'configmap', 'kept', '-n', ns, '--from-literal=k=v1'), /configmap\/kept created/);
    assert.match(await k('create', 'configmap', 'gone', '-n', ns, '--from-literal=k=v2'), /configmap\/gone created/);
    const cm = JSON.parse(await k('get', 'configmap', 'kept', '-n', ns, '-o', 'json'));
    assert.deepEqual(cm.data, { k: 'v1' });
    assert.equal(cm.metadata.namespace, ns);
    assert.ok(cm.metadata.uid && cm.metadata.resourceVersion);

    // A pod: no kubelet, so it is scheduled nowhere and stays Pending. The namespace's default
    // service account (which admission wants) comes from a controller: wait for it.
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default', '-n', ns])).code === 0, 15_000, 'the default service account');
    await kubectlOk(kc, ['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'idle', labels: { app: 'idle' } }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] } }),
    });
    const pod = JSON.parse(await k('get', 'pod', 'idle', '-n', ns, '-o', 'json'));
    assert.equal(pod.status.phase, 'Pending');
    assert.equal(pod.spec.nodeName, undefined);
    assert.equal(pod.spec.serviceAccountName, 'default');
    const list = JSON.parse(await k('get', 'pods', '-n', ns, '-l', 'app=idle', '-o', 'json'));
    assert.deepEqual(list.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['idle']);

    // A watch sees a deletion as it happens.
    const watch = kubectlStream(kc, ['get', 'configmaps', '-n', ns, '--watch', '--output-watch-events', '--no-headers']);
    try {
      await eventually(() => /ADDED\s+gone\b/.test(watch.output()), 10_000, 'the watch listing the configmaps');
      assert.match(await k('delete', 'configmap', 'gone', '-n', ns), /configmap "gone" deleted/);
      await eventually(() => /DELETED\s+gone\b/.test(watch.output()), 10_000, `the watch seeing the deletion: ${watch.output()}`);
    } finally {
      await watch.stop();
    }
    const missing = await kubectl(kc, ['get', 'configmap', 'gone', '-n', ns, '-o', 'json']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|not found/);

    assert.match(await k('delete', 'pod', 'idle', '-n', ns, '--wait=false'), /pod "idle" deleted/);
    // No kubelet to confirm the termination: the pod is marked for deletion (or gone already).
    await eventually(async () => {
      const r = await kubectl(kc, ['get', 'pod', 'idle', '-n', ns, '-o', 'json']);
      return r.code !== 0 ? /NotFound/.test(r.stderr) : Boolean(JSON.parse(r.stdout).metadata.deletionTimestamp);
    }, 10_000, 'the pod marked for deletion');

    const stopped = await terminate(first.run, 30_000);
    assert.equal(stopped.code, 0, `exit code after SIGTERM (after ${stopped.ms} ms, signal ${stopped.signal}):\n${first.run.output()}`);
    assert.ok(stopped.ms < 30_000);
    t.diagnostic(`exited ${stopped.ms} ms after SIGTERM`);

    // Started again on the same data dir (and the same etcd): the objects are still there.
    const t1 = Date.now();
    const second = await start();
    t.diagnostic(`ready again after ${Date.now() - t1} ms`);
    const again = JSON.parse(await kubectlOk(second.kc, ['get', 'configmap', 'kept', '-n', ns, '-o', 'json']));
    assert.deepEqual(again.data, { k: 'v1' });
    assert.equal(again.metadata.uid, cm.metadata.uid);
    assert.equal((await kubectl(second.kc, ['get', 'configmap', 'gone', '-n', ns])).code, 1);
    const restopped = await terminate(second.run, 30_000);
    assert.equal(restopped.code, 0, `exit code after the second SIGTERM:\n${second.run.output()}`);
    t.diagnostic(`exited ${restopped.ms} ms after the second SIGTERM`);
  });
});
}
