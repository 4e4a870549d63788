// The runtime manager against a real containerd: a two-container pod reaches running through
// syncPod, an image change recreates one container, killPod runs a preStop exec, and GC keeps
// one exited container per name; subPath mounts are bound by descriptor (a symlink swapped in
// before the bind changes nothing) and bad ones are CreateContainerConfigError. Needs root,
// containerd, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUSYBOX_IMAGE, startTestContainerd, type TestContainerd } from '../support/containerd.ts';
import type { Container, Pod } from '../../src/api/core/index.ts';
import { realClock } from '../../src/kubelet/clock.ts';
import { ImageManager } from '../../src/kubelet/images/puller.ts';
import { Backoff } from '../../src/kubelet/backoff.ts';
import { allHierarchies, cgroupHierarchies, createCgroupfs, podCgroupParent, podResourceConfig } from '../../src/kubelet/cm/index.ts';
import type { RuntimeManagerDeps } from '../../src/kubelet/kuberuntime/deps.ts';
import { garbageCollect } from '../../src/kubelet/kuberuntime/gc.ts';
import { killPod, removePod } from '../../src/kubelet/kuberuntime/kill.ts';
import { getPodStatus } from '../../src/kubelet/kuberuntime/status.ts';
import { syncPod } from '../../src/kubelet/kuberuntime/sync.ts';
import { VolumeManager } from '../../src/kubelet/volume/manager.ts';
import { createMounter } from '../../src/kubelet/volume/mounter.ts';
import { makeContainerMounts } from '../../src/kubelet/volume/mounts.ts';
import { createTerminationLogFile } from '../../src/kubelet/volume/termination.ts';
import type { VolumeObjectSource } from '../../src/kubelet/volume/types.ts';

let env: TestContainerd;
let deps: RuntimeManagerDeps;
const events: string[] = [];
const suffix = `${process.pid}`;

function ctr(name: string, extra: Partial<Container> = {}): Container {
  return {
    name, image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'sleep 3600'],
    terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...extra,
  };
}
function mkPod(name: string, containers: Container[], spec: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `kr-${name}-${suffix}` },
    spec: { containers, restartPolicy: 'Always', terminationGracePeriodSeconds: 5, dnsPolicy: 'Default', ...spec },
  };
}
const status = (p: Pod) => getPodStatus(env.cri, p.metadata.uid!, p.metadata.name!, 'default');
const noObjects: VolumeObjectSource = {
  getSecret: () => Promise.reject(new Error('not used')),
  getConfigMap: () => Promise.reject(new Error('not used')),
  requestServiceAccountToken: () => Promise.reject(new Error('not used')),
};
/** Until the file holds what match wants (a container's write lands within a few seconds). */
async function fileMatching(path: string, match: RegExp): Promise<string> {
  for (let i = 0; i < 50 && !(existsSync(path) && match.test(readFileSync(path, 'utf8'))); i++) await sleep(100);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
const sync = async (p: Pod) => syncPod(p, await status(p), deps);

describe('kuberuntime against containerd', { timeout: 180_000 }, () => {
  const pods: Pod[] = [];
  before(async () => {
    env = await startTestContainerd();
    const shared = join(env.dir, 'shared');
    mkdirSync(shared, { recursive: true });
    deps = {
      cri: env.cri,
      clock: realClock,
      images: new ImageManager({ cri: env.cri, now: () => new Date() }),
      // A short back-off keeps the crash-loop part of the test quick.
      backoff: new Backoff({ initialMs: 100, maxMs: 400, forgetAfterMs: 800 }),
      recorder: { event: (_p, type, reason, message) => { events.push(`${type} ${reason}: ${message}`); } },
      podLogsRoot: join(env.dir, 'pods'),
      podCgroups: podCgroupsOf(createCgroupfs()),
      envSources: { getConfigMap: async () => undefined, getSecret: async () => undefined },
      nodeAllocatable: () => ({ cpu: '2', memory: '2Gi' }),
      memoryCapacityBytes: 2 * 1024 ** 3,
      // As makeContainerMounts: a fresh termination-log file for each container instance.
      mounts: async (p, c) => [{ containerPath: '/shared', hostPath: shared }, ...c.terminationMessagePath
        ? [{ containerPath: c.terminationMessagePath, hostPath: await createTerminationLogFile(join(env.dir, 'kubelet'), p.metadata.uid!, c.name) }] : []],
    };
  });
  after(async () => {
    for (const p of pods) {
      try {
        const st = await status(p);
        await killPod(deps, p, st, { gracePeriodOverride: 0 });
        await removePod(deps, await status(p));
        await deps.podCgroups?.remove(p);
      } catch { /* best effort */ }
    }
    await env?.stop();
  });

  test('a two-container pod runs; an image change recreates one; killPod runs preStop', async () => {
    const p = mkPod('two', [
      ctr('a', { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo stopped > /shared/prestop'] } } } }),
      ctr('b', { env: [{ name: 'WHO', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], command: ['sh', '-c', 'echo hello $(WHO); sleep 3600'] }),
    ]);
    pods.push(p);
    const r = await sync(p);
    assert.deepEqual(r.errors, []);
    assert.deepEqual([...r.started].sort(), ['a', 'b']);
    assert.match(r.podIPs[0] ?? '', /^10\.231\./);
    const st = await status(p);
    assert.deepEqual(st.containers.map((c) => [c.name, c.state]).sort(), [['a', 'running'], ['b', 'running']]);
    assert.deepEqual(st.ips, r.podIPs);
    for (const h of cgroupHierarchies()) assert.ok(existsSync(join(h, podCgroupParent(p))), `pod cgroup in ${h}`);

    const logFile = join(deps.podLogsRoot!, `default_two_${p.metadata.uid}`, 'b', '0.log');
    for (let i = 0; i < 50 && !(existsSync(logFile) && readFileSync(logFile, 'utf8').includes('hello')); i++) await sleep(100);
    assert.match(readFileSync(logFile, 'utf8'), /stdout F hello two/);

    const noop = await sync(p);
    assert.deepEqual([noop.started, noop.killed], [[], []]);

    const aId = st.containers.find((c) => c.name === 'a')!.id.id;
    const changed = structuredClone(p);
    changed.spec.containers[1].image = 'localhost/busybox:latest';
    const r2 = await sync(changed);
    assert.deepEqual([r2.killed, r2.started], [['b'], ['b']]);
    const st2 = await status(changed);
    const running = st2.containers.filter((c) => c.state === 'running');
    assert.deepEqual(running.map((c) => c.name).sort(), ['a', 'b']);
    assert.equal(running.find((c) => c.name === 'a')!.id.id, aId, 'a was not touched');
    assert.equal(running.find((c) => c.name === 'b')!.restartCount, 1);
    assert.equal(st2.sandboxes.length, 1);

    const killed = await killPod(deps, changed, st2);
    assert.deepEqual(killed.errors, []);
    assert.equal(readFileSync(join(env.dir, 'shared', 'prestop'), 'utf8'), 'stopped\n');
    const st3 = await status(changed);
    assert.ok(st3.containers.every((c) => c.state === 'exited'));
    assert.equal(st3.sandboxes[0].state, 'notready');
    assert.ok(events.includes('Normal Killing: Stopping container a'));

    await removePod(deps, st3);
    await deps.podCgroups!.remove(p);
    const after = await status(changed);
    assert.deepEqual([after.containers.length, after.sandboxes.length], [0, 0]);
    for (const h of allHierarchies()) assert.ok(!existsSync(join(h, podCgroupParent(p))), `no pod cgroup left in ${h}`);
  });

  test('a crashing container is restarted with its termination message, and GC keeps one exited per name', async () => {
    const p = mkPod('crash', [ctr('c', { command: ['sh', '-c', 'echo -n died > /dev/termination-log; exit 2'] })]);
    pods.push(p);
    await sync(p);
    const until = Date.now() + 30_000;
    for (;;) {
      const st = await status(p);
      if (st.containers.filter((c) => c.state === 'exited').length >= 3) break;
      assert.ok(Date.now() < until, 'three exits within 30 s');
      await sync(p);
      await sleep(150);
    }
    const st = await status(p);
    const exited = st.containers.find((c) => c.state === 'exited')!;
    assert.equal(exited.exitCode, 2);
    assert.equal(exited.reason, 'Error');
    assert.equal(exited.message, 'died');
    const gc = await garbageCollect(env.cri, { isPodDeleted: () => false, now: () => new Date(), podLogsRoot: deps.podLogsRoot });
    assert.deepEqual(gc.errors, []);
    const left = (await status(p)).containers.filter((c) => c.state === 'exited');
    assert.equal(left.length, 1, 'one exited container kept for logs');
  });

  test('subPathExpr from a configMap is bound by descriptor; a swapped-in symlink and bad subPaths are refused', async () => {
    const root = join(env.dir, 'kubelet');
    const outside = join(env.dir, 'outside');
    mkdirSync(outside, { recursive: true });
    const real = createMounter();
    // Swaps the subPath for a symlink to a host directory between the check and the bind: the
    // race of CVE-2017-1002101. The bind follows the open descriptor, not the path.
    let swap: (() => void) | undefined;
    const racing = { ...real, bind: async (source: string, target: string) => { swap?.(); swap = undefined; await real.bind(source, target); } };
    const volumes = new VolumeManager({ rootDir: root, objects: noObjects, mounter: racing });
    const p = mkPod('subpath', [
      ctr('w', { envFrom: [{ configMapRef: { name: 'dirs' } }], volumeMounts: [{ name: 'data', mountPath: '/sub', subPathExpr: '$(DIR)' }], command: ['sh', '-c', 'echo written > /sub/file; sleep 3600'] }),
      ctr('dots', { env: [{ name: 'POD_NAME', value: '..' }], volumeMounts: [{ name: 'data', mountPath: '/x', subPathExpr: '$(POD_NAME)' }] }),
      ctr('abs', { env: [{ name: 'POD_NAME', value: '/tmp' }], volumeMounts: [{ name: 'data', mountPath: '/x', subPathExpr: '$(POD_NAME)' }] }),
    ], { volumes: [{ name: 'data', emptyDir: {} }] });
    pods.push(p);
    const mounted = await volumes.mountPodVolumes(p);
    const vol = mounted.get('data')!.hostPath;
    swap = () => {
      renameSync(join(vol, 'from-cm'), join(vol, 'moved'));
      symlinkSync(outside, join(vol, 'from-cm'));
    };
    const subDeps: RuntimeManagerDeps = {
      ...deps,
      envSources: { getConfigMap: async (_ns, name) => (name === 'dirs' ? { data: { DIR: 'from-cm' } } : undefined), getSecret: async () => undefined },
      mounts: (pod, c, podIPs, cenv) => makeContainerMounts({ rootDir: root, pod, container: c, mounted, podIPs, env: cenv, bindSubPath: (b) => volumes.bindSubPath(b) }),
    };
    try {
      const r = await syncPod(p, await status(p), subDeps);
      assert.deepEqual(r.started, ['w']);
      assert.equal(r.waiting.dots?.reason, 'CreateContainerConfigError');
      assert.equal(r.waiting.dots?.message, "unable to provision SubPath `..`: must not contain '..'");
      assert.deepEqual(r.waiting.abs, { reason: 'CreateContainerConfigError', message: 'error SubPath `/tmp` must not be an absolute path' });
      assert.match(await fileMatching(join(vol, 'moved', 'file'), /written/), /^written\n$/, 'the write landed in the directory that was checked');
      assert.deepEqual(readdirSync(outside), [], 'nothing reached the symlink’s target');
      const bound = join(root, 'pods', p.metadata.uid!, 'volume-subpaths', 'data', 'w', '0');
      assert.ok((await real.mountPointsUnder(bound)).includes(bound), 'the runtime got the kubelet-owned bind');
      assert.deepEqual((await status(p)).containers.map((c) => c.name), ['w'], 'no container created for the bad subPaths');

      // The container again, now that the subPath resolves outside the volume: refused.
      const killed = await killPod(subDeps, p, await status(p), { gracePeriodOverride: 0 });
      assert.deepEqual(killed.errors, []);
      await removePod(subDeps, await status(p));
      const again = await syncPod(p, await status(p), subDeps);
      assert.equal(again.waiting.w?.reason, 'CreateContainerConfigError');
      assert.equal(again.waiting.w?.message, 'failed to prepare subPath for volumeMount "data" of container "w"');
    } finally {
      await killPod(subDeps, p, await status(p), { gracePeriodOverride: 0 }).catch(() => undefined);
      await volumes.unmountPodVolumes(p.metadata.uid!);
      assert.deepEqual(await real.mountPointsUnder(join(root, 'pods', p.metadata.uid!)), [], 'every subPath bind is gone with the volumes');
      assert.ok(!existsSync(join(root, 'pods', p.metadata.uid!, 'volume-subpaths')));
      real.close?.();
    }
  });
});

/** Pod cgroups as the container manager makes them, without its QoS and node levels. */
function podCgroupsOf(fs: ReturnType<typeof createCgroupfs>): NonNullable<RuntimeManagerDeps['podCgroups']> {
  return { ensure: (p) => fs.apply(podCgroupParent(p), podResourceConfig(p)), remove: (p) => fs.remove(podCgroupParent(p)) };
}
