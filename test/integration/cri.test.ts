// The CRI client against a real containerd: runtime status, images, a full pod lifecycle,
// OOM kills, stats and host networking. Needs root, containerd, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUSYBOX_IMAGE, BUSYBOX_IMAGES, startTestContainerd, type TestContainerd } from '../support/containerd.ts';
import { createCriClient, CriError, isNotFound, isUnimplemented, type CriClient, type In, type PodSandboxConfig, type ContainerConfig, type ContainerStatus } from '../../src/kubelet/runtime/cri/client.ts';

let env: TestContainerd;
let cri: CriClient;

function sandboxConfig(name: string, opts: { hostNetwork?: boolean } = {}): In<PodSandboxConfig> {
  const uid = `uid-${name}-${process.pid}`;
  const logDirectory = join(env.dir, 'pods', `default_${name}_${uid}`);
  mkdirSync(logDirectory, { recursive: true });
  return {
    metadata: { name, uid, namespace: 'default', attempt: 0 },
    // Host-network sandboxes must leave the hostname empty (runc cannot set it without a UTS namespace).
    hostname: opts.hostNetwork ? '' : name,
    logDirectory,
    labels: { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
    linux: {
      securityContext: {
        namespaceOptions: { network: opts.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' },
      },
    },
  };
}

function containerConfig(sandbox: In<PodSandboxConfig>, name: string, command: string[], extra: In<ContainerConfig> = {}): In<ContainerConfig> {
  mkdirSync(join(sandbox.logDirectory!, name), { recursive: true });
  return {
    metadata: { name, attempt: 0 },
    image: { image: BUSYBOX_IMAGE },
    command,
    logPath: `${name}/0.log`,
    linux: { securityContext: { namespaceOptions: { network: sandbox.linux?.securityContext?.namespaceOptions?.network ?? 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    ...extra,
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function statusOf(id: string): Promise<ContainerStatus> {
  const s = (await cri.containerStatus(id)).status;
  assert.ok(s, `no status for container ${id}`);
  return s;
}

function shimsServing(address: string): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).flatMap((n) => {
    try {
      const argv = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
      return argv.some((a, i) => a === '-address' && argv[i + 1] === address) ? [Number(n)] : [];
    } catch { return []; }
  });
}

async function teardown(podId: string): Promise<void> {
  await cri.stopPodSandbox(podId);
  await cri.removePodSandbox(podId);
}

describe('CRI client against containerd', { timeout: 180_000 }, () => {
  before(async () => {
    env = await startTestContainerd();
    cri = env.cri;
  });
  after(async () => {
    await env?.stop();
  });

  test('waitForReady resolves on a live socket and rejects on a missing one', async () => {
    await cri.waitForReady(5_000);
    const dead = createCriClient(`unix://${join(env.dir, 'missing.sock')}`);
    try {
      await assert.rejects(dead.waitForReady(300));
      await assert.rejects(dead.version(undefined, { timeoutMs: 300 }), (err: Error & { codeName?: string }) =>
        err instanceof CriError && ['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(err.codeName ?? ''));
    } finally {
      dead.close();
    }
  });

  test('containerd runs in a session of its own, as a service would', () => {
    const session = (pid: number | 'self') => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[3]);
    assert.equal(session(env.pid), env.pid, 'containerd leads its session');
    assert.notEqual(session(env.pid), session('self'));
  });

  test('a cancelled signal cancels the call', async () => {
    const ac = new AbortController();
    const p = cri.status(false, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (err: Error & { codeName?: string }) => err instanceof CriError && err.codeName === 'CANCELLED');
  });

  test('Version and Status report a ready containerd', async () => {
    const v = await cri.version();
    assert.equal(v.runtimeName, 'containerd');
    assert.equal(v.runtimeApiVersion, 'v1');
    assert.match(v.runtimeVersion, /^1\.\d+/);
    const st = await cri.status(true);
    const cond = Object.fromEntries((st.status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(cond, { RuntimeReady: true, NetworkReady: true });
    assert.ok(Object.keys(st.info).length > 0, 'verbose status carries info');
    const info = JSON.parse(st.info.config ?? '{}') as { containerd?: { snapshotter?: string } };
    assert.ok(info.containerd?.snapshotter, 'the info includes the CRI config');
  });

  test('ImageStatus finds the imported image under both tags, and null for an absent one', async () => {
    const st = await cri.imageStatus({ image: BUSYBOX_IMAGE });
    assert.ok(st.image);
    assert.deepEqual([...st.image.repoTags].sort(), [...BUSYBOX_IMAGES].sort());
    assert.match(st.image.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(st.image.size > 1_000_000, `size ${st.image.size}`);
    const none = await cri.imageStatus({ image: 'localhost/does-not-exist:1' });
    assert.equal(none.image, null);
    const listed = await cri.listImages();
    assert.ok(listed.some((i) => i.repoTags.includes('localhost/pause:3.10')));
    const fs = await cri.imageFsInfo();
    assert.ok(fs.imageFilesystems.length >= 1);
  });

  test('a pod runs through its whole lifecycle', async (t) => {
    const sb = sandboxConfig('lifecycle');
    const t0 = performance.now();
    const podId = await cri.runPodSandbox(sb);
    const cfg = containerConfig(sb, 'main', ['sh', '-c', 'echo hello; sleep 3600']);
    const ctrId = await cri.createContainer(podId, cfg, sb);
    await cri.startContainer(ctrId);
    const ms = performance.now() - t0;
    t.diagnostic(`RunPodSandbox → container started: ${ms.toFixed(0)} ms (pod network)`);

    const pod = await cri.podSandboxStatus(podId);
    assert.equal(pod.status?.state, 'SANDBOX_READY');
    assert.match(pod.status?.network?.ip ?? '', /^10\.231\.\d+\.\d+$/);
    assert.equal(pod.status?.metadata?.name, 'lifecycle');

    const running = await statusOf(ctrId);
    assert.equal(running.state, 'CONTAINER_RUNNING');
    assert.ok(running.startedAt > running.createdAt - 1e6 && running.startedAt > 0);
    assert.equal(running.logPath, join(sb.logDirectory!, 'main/0.log'));

    const tExec = performance.now();
    const exec = await cri.execSync(ctrId, ['cat', '/etc/hostname'], 10);
    t.diagnostic(`ExecSync: ${(performance.now() - tExec).toFixed(0)} ms`);
    assert.equal(exec.exitCode, 0);
    assert.equal(exec.stdout.toString().trim(), 'lifecycle');
    const failing = await cri.execSync(ctrId, ['sh', '-c', 'echo oops >&2; exit 3'], 10);
    assert.equal(failing.exitCode, 3);
    assert.equal(failing.stderr.toString(), 'oops\n');

    // CRI log format: "<RFC3339Nano> <stream> <P|F> <line>".
    const logFile = running.logPath;
    const line = await waitFor('the log line', async () => {
      if (!existsSync(logFile)) return undefined;
      return readFileSync(logFile, 'utf8').split('\n').find((l) => l.endsWith(' hello'));
    });
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) stdout F hello$/);

    const stats = await cri.containerStats(ctrId);
    assert.equal(stats?.attributes?.id, ctrId);
    assert.ok((stats?.cpu?.usageCoreNanoSeconds?.value ?? 0) > 0, 'cumulative cpu is reported');
    assert.ok((stats?.memory?.workingSetBytes?.value ?? 0) > 0, 'working set is reported');
    const all = await cri.listContainerStats({ podSandboxId: podId });
    assert.deepEqual(all.map((s) => s.attributes?.id), [ctrId]);
    const listed = await cri.listContainers({ podSandboxId: podId });
    assert.deepEqual(listed.map((c) => [c.id, c.state]), [[ctrId, 'CONTAINER_RUNNING']]);

    // sh is PID 1 with no TERM handler, so the grace period runs out and it is killed.
    await cri.stopContainer(ctrId, 1);
    const exited = await statusOf(ctrId);
    assert.equal(exited.state, 'CONTAINER_EXITED');
    assert.equal(exited.exitCode, 137);
    assert.ok(exited.finishedAt >= exited.startedAt);

    await cri.removeContainer(ctrId);
    await assert.rejects(cri.containerStatus(ctrId), (err) => isNotFound(err));
    assert.deepEqual(await cri.listContainers({ podSandboxId: podId }), []);
    await cri.stopPodSandbox(podId);
    assert.equal((await cri.podSandboxStatus(podId)).status?.state, 'SANDBOX_NOTREADY');
    await cri.removePodSandbox(podId);
    assert.deepEqual((await cri.listPodSandbox()).filter((p) => p.id === podId), []);
    assert.deepEqual(await cri.listPodSandbox(), []);
    await cri.removePodSandbox(podId); // idempotent, as the CRI requires
  });

  test('a container over its memory limit ends OOMKilled', async () => {
    const sb = sandboxConfig('oom');
    const podId = await cri.runPodSandbox(sb);
    try {
      // tail buffers its input looking for a newline that /dev/zero never sends.
      const cfg = containerConfig(sb, 'hog', ['tail', '/dev/zero'], {
        linux: { resources: { memoryLimitInBytes: 16 * 1024 * 1024 } },
      });
      const id = await cri.createContainer(podId, cfg, sb);
      await cri.startContainer(id);
      const st = await waitFor('the OOM kill', async () => {
        const s = await statusOf(id);
        return s.state === 'CONTAINER_EXITED' ? s : undefined;
      });
      assert.equal(st.reason, 'OOMKilled');
      assert.equal(st.exitCode, 137);
    } finally {
      await teardown(podId);
    }
  });

  test('a host-network sandbox shares the node network and hostname', async (t) => {
    const sb = sandboxConfig('hostnet', { hostNetwork: true });
    const t0 = performance.now();
    const podId = await cri.runPodSandbox(sb);
    try {
      const id = await cri.createContainer(podId, containerConfig(sb, 'main', ['sleep', '3600']), sb);
      await cri.startContainer(id);
      t.diagnostic(`RunPodSandbox → container started: ${(performance.now() - t0).toFixed(0)} ms (host network)`);
      assert.equal((await statusOf(id)).state, 'CONTAINER_RUNNING');
      const pod = await cri.podSandboxStatus(podId);
      assert.equal(pod.status?.linux?.namespaces?.options?.network, 'NODE');
      const out = await cri.execSync(id, ['hostname'], 10);
      assert.equal(out.stdout.toString().trim(), hostname());
      const links = await cri.execSync(id, ['cat', '/proc/net/dev'], 10);
      assert.match(links.stdout.toString(), /berthtest0:/, 'the node bridge is visible from a host-network pod');
    } finally {
      await teardown(podId);
    }
  });

  test('calls against unknown ids fail with NOT_FOUND and keep the runtime message', async () => {
    await assert.rejects(cri.podSandboxStatus('nope'), (err: Error & { codeName?: string }) => {
      assert.ok(isNotFound(err), `${err.name} ${err.codeName}: ${err.message}`);
      assert.equal(err.codeName, 'NOT_FOUND');
      // The runtime's own words, without grpc-js's "5 NOT_FOUND:" prefix.
      assert.match(err.message, /^an error occurred when try to find sandbox: not found$/);
      return true;
    });
    await assert.rejects(cri.listPodSandboxMetrics(), (err) => isUnimplemented(err));
  });

  // Last: it stops the shared containerd.
  test('stop() leaves no pods, shims or mounts behind', async () => {
    const sb = sandboxConfig('leftover');
    const podId = await cri.runPodSandbox(sb);
    const id = await cri.createContainer(podId, containerConfig(sb, 'main', ['sleep', '3600']), sb);
    await cri.startContainer(id);
    assert.ok(shimsServing(env.address).length >= 1, 'a running pod has a shim');
    const { address, dir } = env;
    await env.stop();
    assert.deepEqual(shimsServing(address), []);
    assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir)), []);
    assert.equal(existsSync(dir), false);
  });
});
