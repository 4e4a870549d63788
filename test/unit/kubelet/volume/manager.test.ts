import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { VolumeManager, VolumeMountError } from '../../../../src/kubelet/volume/manager.ts';
import { cleanupPodDataDirs } from '../../../../src/kubelet/volume/paths.ts';
import type { Pod, Volume } from '../../../../src/api/core/index.ts';
import { FakeMounter, FakeObjects, withTempDir } from './fakes.ts';

const mkPod = (volumes: Volume[], extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'prod', uid: 'uid-1', labels: { app: 'web' } },
  spec: { volumes, containers: [{ name: 'app', resources: { limits: { memory: '128Mi', cpu: '500m' } } }], ...extra },
});

function setup(root: string) {
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 3, 55, 0));
  const api = new FakeObjects();
  api.now = () => clock.now();
  const mounter = new FakeMounter();
  const mgr = new VolumeManager({ rootDir: root, objects: api, mounter, clock, nodeAllocatable: () => ({ memory: '8Gi', cpu: '4' }) });
  return { clock, api, mounter, mgr };
}

test('configMap volume: files appear, updates land on the next sync, unchanged content is left alone', () =>
  withTempDir(async (root) => {
    const { api, mgr } = setup(root);
    api.addConfigMap('prod', 'cfg', { 'app.conf': 'v1', other: 'o' });
    const pod = mkPod([{ name: 'config', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } }]);
    const mounted = await mgr.mountPodVolumes(pod);
    const dir = join(root, 'pods/uid-1/volumes/kubernetes.io~configmap/config');
    assert.deepEqual(mounted.get('config'), { hostPath: dir, readOnly: true, selinuxRelabel: true });
    assert.equal(await readFile(join(dir, 'conf/app.conf'), 'utf8'), 'v1');
    assert.equal((await stat(join(dir, 'conf/app.conf'))).mode & 0o777, 0o600);
    await assert.rejects(lstat(join(dir, 'other')), { code: 'ENOENT' });
    const gen = await readlink(join(dir, '..data'));
    await mgr.mountPodVolumes(pod);
    assert.equal(await readlink(join(dir, '..data')), gen);
    api.addConfigMap('prod', 'cfg', { 'app.conf': 'v2' });
    await mgr.mountPodVolumes(pod);
    assert.notEqual(await readlink(join(dir, '..data')), gen);
    assert.equal(await readFile(join(dir, 'conf/app.conf'), 'utf8'), 'v2');
    for (const sub of ['plugins', 'containers', 'volumes']) assert.equal((await stat(join(root, 'pods/uid-1', sub))).isDirectory(), true);
  }));

test('missing objects fail with the FailedMount message; optional ones mount empty', () =>
  withTempDir(async (root) => {
    const { api, mgr } = setup(root);
    const pod = mkPod([
      { name: 'cfg', configMap: { name: 'x' } },
      { name: 'sec', secret: { secretName: 'y' } },
      { name: 'opt', configMap: { name: 'x', optional: true } },
      { name: 'keys', configMap: { name: 'present', items: [{ key: 'nope', path: 'n' }] } },
      { name: 'host', hostPath: { path: join(root, 'missing'), type: 'Directory' } },
    ]);
    api.addConfigMap('prod', 'present', { a: 'b' });
    const err = await mgr.mountPodVolumes(pod).then(() => assert.fail('expected a failure'), (e: unknown) => e);
    assert.ok(err instanceof VolumeMountError);
    assert.equal(err.reason, 'FailedMount');
    const byVolume = Object.fromEntries(err.failures.map((f) => [f.volume, f.message]));
    assert.deepEqual(byVolume, {
      cfg: 'MountVolume.SetUp failed for volume "cfg" : configmap "x" not found',
      sec: 'MountVolume.SetUp failed for volume "sec" : secret "y" not found',
      keys: 'MountVolume.SetUp failed for volume "keys" : configmap references non-existent config key: nope',
      host: `MountVolume.SetUp failed for volume "host" : hostPath type check failed: ${join(root, 'missing')} is not a directory`,
    });
    // The optional one was set up (empty) all the same.
    assert.equal((await stat(join(root, 'pods/uid-1/volumes/kubernetes.io~configmap/opt/..data'))).isDirectory(), true);
  }));

test('secrets and projected volumes sit on tmpfs; emptyDir Memory is sized; teardown unmounts all', () =>
  withTempDir(async (root) => {
    const { api, mgr, mounter } = setup(root);
    api.addSecret('prod', 'creds', { password: 'hunter2' });
    const pod = mkPod([
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'scratch', emptyDir: {} },
      { name: 'big', emptyDir: { medium: 'Memory' } },
    ]);
    const mounted = await mgr.mountPodVolumes(pod);
    const secretDir = mounted.get('creds')!.hostPath;
    assert.equal(await readFile(join(secretDir, 'password'), 'utf8'), 'hunter2');
    assert.equal((await stat(join(secretDir, 'password'))).mode & 0o777, 0o400);
    assert.equal(mounter.mounted.get(secretDir), 128 * 1024 * 1024); // the pod's memory limit
    assert.equal(mounter.mounted.get(mounted.get('cache')!.hostPath), 64 * 1024 * 1024);
    assert.equal(mounter.mounted.get(mounted.get('big')!.hostPath), 128 * 1024 * 1024);
    assert.equal(mounter.mounted.has(mounted.get('scratch')!.hostPath), false);
    assert.equal((await stat(mounted.get('scratch')!.hostPath)).mode & 0o777, 0o777);
    await mgr.mountPodVolumes(pod);
    assert.equal(mounter.calls.filter((c) => c.startsWith('mount')).length, 3, 'no second mount on resync');
    assert.deepEqual(mgr.volumesInUse(), [
      'kubernetes.io/empty-dir/uid-1-big',
      'kubernetes.io/empty-dir/uid-1-cache',
      'kubernetes.io/empty-dir/uid-1-scratch',
      'kubernetes.io/secret/uid-1-creds',
    ]);
    await writeFile(join(mounted.get('scratch')!.hostPath, 'blob'), Buffer.alloc(100_000));
    const usage = await mgr.emptyDirUsage('uid-1');
    const scratch = usage.find((u) => u.volume === 'scratch')!;
    assert.ok(scratch.usedBytes >= 100_000, `usage ${scratch.usedBytes}`);
    assert.equal(usage.find((u) => u.volume === 'cache')!.sizeLimitBytes, 64 * 1024 * 1024);
    await assert.rejects(cleanupPodDataDirs(root, 'uid-1', mounter), /still has mounted volumes/);
    await mgr.unmountPodVolumes('uid-1');
    assert.equal(mounter.mounted.size, 0);
    await assert.rejects(lstat(join(root, 'pods/uid-1/volumes')), { code: 'ENOENT' });
    assert.deepEqual(mgr.volumesInUse(), []);
    await cleanupPodDataDirs(root, 'uid-1', mounter);
    await assert.rejects(lstat(join(root, 'pods/uid-1')), { code: 'ENOENT' });
  }));

test('a restarted manager tears down what it finds on disk and in the mount table', () =>
  withTempDir(async (root) => {
    const first = setup(root);
    await first.mgr.mountPodVolumes(mkPod([{ name: 'm', emptyDir: { medium: 'Memory' } }]));
    const fresh = new VolumeManager({ rootDir: root, objects: first.api, mounter: first.mounter });
    await fresh.unmountPodVolumes('uid-1');
    assert.equal(first.mounter.mounted.size, 0);
  }));

test('subPath binds live under the pod’s volume-subpaths and go with its volumes', () =>
  withTempDir(async (root) => {
    const { mounter, mgr } = setup(root);
    const mounted = await mgr.mountPodVolumes(mkPod([{ name: 'data', emptyDir: {} }]));
    const volumePath = mounted.get('data')!.hostPath;
    await mkdir(join(volumePath, 'logs'));
    const podDir = join(root, 'pods/uid-1');
    const bind = { podDir, volumeName: 'data', volumePath, subPath: 'logs', containerName: 'app', mountIndex: 2 };
    const target = await mgr.bindSubPath(bind);
    assert.equal(target, join(podDir, 'volume-subpaths/data/app/2'));
    // The fake's "bind" leaves the target its own empty directory: another file than the subPath,
    // which is unmounted and bound again (a real bind of the same file is reused: the integration test).
    assert.equal(await mgr.bindSubPath(bind), target);
    assert.deepEqual(mounter.calls.filter((c) => c.includes(target)).map((c) => c.split(' ')[0]), ['bind', 'umount', 'bind']);
    await mgr.unmountPodVolumes('uid-1');
    assert.equal(mounter.mounted.size, 0);
    assert.ok(mounter.calls.includes(`umount ${target}`));
    await assert.rejects(lstat(join(podDir, 'volume-subpaths')), { code: 'ENOENT' });
  }));

test('downwardAPI volume and hostPath DirectoryOrCreate', () =>
  withTempDir(async (root) => {
    const { mgr } = setup(root);
    const hp = join(root, 'host/data');
    const pod = mkPod([
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
          ],
        },
      },
      { name: 'hp', hostPath: { path: hp, type: 'DirectoryOrCreate' } },
    ]);
    const mounted = await mgr.mountPodVolumes(pod);
    const dir = mounted.get('info')!.hostPath;
    assert.match(dir, /kubernetes\.io~downward-api\/info$/);
    assert.equal(await readFile(join(dir, 'labels'), 'utf8'), 'app="web"');
    assert.equal(await readFile(join(dir, 'mem'), 'utf8'), '128');
    assert.deepEqual(mounted.get('hp'), { hostPath: hp, readOnly: false, selinuxRelabel: false });
    assert.equal((await stat(hp)).isDirectory(), true);
  }));

test('projected volume: token, configMap, secret and downwardAPI; the token is refreshed at 80% of its life', () =>
  withTempDir(async (root) => {
    const { api, mgr, clock } = setup(root);
    api.addConfigMap('prod', 'kube-root-ca.crt', { 'ca.crt': 'CA' });
    api.addSecret('prod', 's', { k: 'v' });
    const pod = mkPod(
      [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607, audience: 'vault' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { secret: { name: 's' } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              { configMap: { name: 'absent', optional: true } },
            ],
          },
        },
      ],
      { serviceAccountName: 'builder' },
    );
    await mkdir(root, { recursive: true });
    const dir = (await mgr.mountPodVolumes(pod)).get('kube-api-access')!.hostPath;
    assert.match(dir, /kubernetes\.io~projected\/kube-api-access$/);
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-1');
    assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), 'CA');
    assert.equal(await readFile(join(dir, 'k'), 'utf8'), 'v');
    assert.equal(await readFile(join(dir, 'namespace'), 'utf8'), 'prod');
    assert.deepEqual(api.tokenRequests[0], {
      namespace: 'prod',
      sa: 'builder',
      opts: { audiences: ['vault'], expirationSeconds: 3607, boundPod: { name: 'web', uid: 'uid-1' } },
    });
    await clock.advance(2800 * 1000);
    await mgr.mountPodVolumes(pod);
    assert.equal(api.tokenRequests.length, 1);
    await clock.advance(100 * 1000); // past 80% of 3607 s
    await mgr.mountPodVolumes(pod);
    assert.equal(api.tokenRequests.length, 2);
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-2');
  }));

test('a projected volume fetches its sources at once; one whose data cannot be had leaves no tmpfs or directory behind', () =>
  withTempDir(async (root) => {
    const { api, mgr, mounter } = setup(root);
    api.addConfigMap('prod', 'kube-root-ca.crt', { 'ca.crt': 'CA' });
    // The TokenRequest and the configmap read are both in flight before either answers.
    const inFlight: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const getConfigMap = api.getConfigMap.bind(api);
    const requestToken = api.requestServiceAccountToken.bind(api);
    api.getConfigMap = async (ns, name) => { inFlight.push('configmap'); await gate; return getConfigMap(ns, name); };
    api.requestServiceAccountToken = async (ns, sa, o) => { inFlight.push('token'); await gate; return requestToken(ns, sa, o); };
    const projected: Volume = { name: 'kube-api-access', projected: { sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ] } };
    const mounting = mgr.mountPodVolumes(mkPod([projected]));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(inFlight.sort(), ['configmap', 'token']);
    release();
    const mounted = await mounting;
    const dir = mounted.get('kube-api-access')!.hostPath;
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'token-1');
    assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), 'CA');

    // Another pod whose token cannot be had: its tmpfs was mounted meanwhile, and goes again.
    api.requestServiceAccountToken = async () => { throw new Error('connection refused'); };
    const other: Pod = { ...mkPod([projected]), metadata: { name: 'other', namespace: 'prod', uid: 'uid-2' } };
    const err = await mgr.mountPodVolumes(other).then(() => assert.fail('expected a failure'), (e: unknown) => e);
    assert.ok(err instanceof VolumeMountError);
    assert.equal(err.failures[0]!.message, 'MountVolume.SetUp failed for volume "kube-api-access" : connection refused');
    const otherDir = join(root, 'pods/uid-2/volumes/kubernetes.io~projected/kube-api-access');
    assert.ok(mounter.calls.includes(`mount ${otherDir} 134217728`));
    assert.equal(mounter.mounted.has(otherDir), false, 'unmounted again');
    await assert.rejects(lstat(otherDir), { code: 'ENOENT' });
  }));
