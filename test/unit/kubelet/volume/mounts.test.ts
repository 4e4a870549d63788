import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { containerMounts, makeContainerMounts, type MakeContainerMountsOptions } from '../../../../src/kubelet/volume/mounts.ts';
import { makePodDataDirs } from '../../../../src/kubelet/volume/paths.ts';
import { bindSubPath, pathWithinBase, safeMakeDir, safeOpen, volumeMountSubPath } from '../../../../src/kubelet/volume/subpath.ts';
import type { Container, Pod, VolumeMount } from '../../../../src/api/core/index.ts';
import type { MountedVolume } from '../../../../src/kubelet/volume/types.ts';
import { FakeMounter, withTempDir } from './fakes.ts';

const mounted = new Map<string, MountedVolume>([
  ['data', { hostPath: '/r/pods/u/volumes/kubernetes.io~empty-dir/data', readOnly: false, selinuxRelabel: true }],
  ['cfg', { hostPath: '/r/pods/u/volumes/kubernetes.io~configmap/cfg', readOnly: true, selinuxRelabel: true }],
  ['host', { hostPath: '/var/log', readOnly: false, selinuxRelabel: false }],
]);

const pod = (containers: Container[]): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers } });

test('volumeMounts become CRI mounts with subPath binds, readOnly and propagation', () => {
  const c: Container = {
    name: 'app',
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/logs', subPath: 'logs/app', readOnly: true },
      { name: 'cfg', mountPath: '/etc/app' },
      { name: 'host', mountPath: '/host-logs', mountPropagation: 'HostToContainer', readOnly: true, recursiveReadOnly: 'Enabled' },
    ],
    terminationMessagePath: '/dev/termination-log',
  };
  const mounts = containerMounts(pod([c]), c, mounted, {
    etcHostsPath: '/r/pods/u/etc-hosts', terminationLogPath: '/r/pods/u/containers/app/abcd1234',
    subPathHostPaths: new Map([[1, '/r/pods/u/volume-subpaths/data/app/1']]),
  });
  const brief = mounts.map((m) => [m.containerPath, m.hostPath, m.readonly, m.propagation, m.selinuxRelabel, m.recursiveReadOnly]);
  assert.deepEqual(brief, [
    ['/data', '/r/pods/u/volumes/kubernetes.io~empty-dir/data', false, 'PROPAGATION_PRIVATE', true, false],
    ['/logs', '/r/pods/u/volume-subpaths/data/app/1', true, 'PROPAGATION_PRIVATE', true, false],
    ['/etc/app', '/r/pods/u/volumes/kubernetes.io~configmap/cfg', true, 'PROPAGATION_PRIVATE', true, false],
    ['/host-logs', '/var/log', true, 'PROPAGATION_HOST_TO_CONTAINER', false, true],
    ['/etc/hosts', '/r/pods/u/etc-hosts', false, 'PROPAGATION_PRIVATE', true, false],
    ['/dev/termination-log', '/r/pods/u/containers/app/abcd1234', false, 'PROPAGATION_PRIVATE', true, false],
  ]);
  assert.deepEqual(mounts[0].uidMappings, []);
  assert.equal(mounts[0].image, null);
});

test('a volume mounted at /etc/hosts replaces the managed one; bad mounts are refused', () => {
  const c: Container = { name: 'app', volumeMounts: [{ name: 'host', mountPath: '/etc/hosts', subPath: 'hosts' }] };
  const mounts = containerMounts(pod([c]), c, mounted, { etcHostsPath: '/r/pods/u/etc-hosts', subPathHostPaths: new Map([[0, '/r/b/0']]) });
  assert.deepEqual(mounts.map((m) => [m.containerPath, m.hostPath]), [['/etc/hosts', '/r/b/0']]);
  // The joined path is never handed to the runtime: a subPath must have been bound first.
  assert.throws(() => containerMounts(pod([c]), c, mounted), { message: 'subPath of volumeMount "host" of container "app" is not prepared' });
  const missing: Container = { name: 'app', volumeMounts: [{ name: 'nope', mountPath: '/x' }] };
  assert.throws(() => containerMounts(pod([missing]), missing, mounted), { message: 'cannot find volume "nope" to mount into container "app"' });
  // Not a mode the API defines, yet nothing upstream of the kubelet rejects it.
  const prop: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/x', mountPropagation: 'Sideways' as VolumeMount['mountPropagation'] }] };
  assert.throws(() => containerMounts(pod([prop]), prop, mounted), /invalid mount propagation mode "Sideways"/);
});

test('subPath and subPathExpr: expanded from the whole environment, never absolute, never ..', () => {
  const env = new Map([['POD', 'web'], ['FROM_CONFIGMAP', 'cfg'], ['DOTS', '..']]);
  const sub = (m: Partial<VolumeMount>) => volumeMountSubPath({ name: 'data', mountPath: '/x', ...m }, env);
  assert.equal(sub({}), '');
  assert.equal(sub({ subPath: 'a/b' }), 'a/b');
  assert.equal(sub({ subPathExpr: 'logs/$(POD)/$(FROM_CONFIGMAP)' }), 'logs/web/cfg');
  assert.throws(() => sub({ subPathExpr: '$(DOTS)/$(DOTS)/etc' }), { message: "unable to provision SubPath `../../etc`: must not contain '..'" });
  assert.throws(() => sub({ subPath: '/etc' }), { message: 'error SubPath `/etc` must not be an absolute path' });
  assert.throws(() => sub({ subPathExpr: '$(NOPE)' }), { message: 'missing value for NOPE' });
});

test('a path is within its base unless its first step is exactly ..: the atomic writer’s ..<timestamp> directories are inside', () => {
  const vol = '/var/lib/kubelet/pods/u/volumes/kubernetes.io~secret/s';
  assert.equal(pathWithinBase(`${vol}/..2026_12_07_16_40_21.v3guqh/secret-key`, vol), true);
  assert.equal(pathWithinBase(`${vol}/..data`, vol), true);
  assert.equal(pathWithinBase(vol, vol), true);
  assert.equal(pathWithinBase(`${vol}/../other`, vol), false);
  assert.equal(pathWithinBase('/var/lib/kubelet/pods/u/volumes/kubernetes.io~secret', vol), false);
  assert.equal(pathWithinBase('/etc', vol), false);
});

test('safeOpen refuses a symlink on the way; safeMakeDir creates inside the volume only', () =>
  withTempDir(async (root) => {
    const vol = join(root, 'vol');
    const outside = join(root, 'outside');
    await mkdir(join(vol, 'a'), { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(vol, 'link'));
    await symlink('a', join(vol, 'inner'));
    const h = await safeOpen(join(vol, 'a'), vol);
    assert.equal((await h.stat()).isDirectory(), true);
    await h.close();
    await assert.rejects(safeOpen(join(vol, 'link'), vol), /unexpected symlink found/);
    await assert.rejects(safeOpen(join(vol, 'inner'), vol), /unexpected symlink found/);
    await safeMakeDir('a/b/c', vol, 0o2775);
    assert.equal((await stat(join(vol, 'a/b/c'))).mode & 0o7777, 0o2775);
    await safeMakeDir('inner/d', vol, 0o755); // a symlink that stays inside the volume is followed
    assert.equal((await stat(join(vol, 'a/d'))).isDirectory(), true);
    await assert.rejects(safeMakeDir('link/escaped', vol, 0o755), /is outside of allowed base/);
    await assert.rejects(lstat(join(outside, 'escaped')), { code: 'ENOENT' });
  }));

test('makeContainerMounts writes etc-hosts, a fresh termination log per instance and binds subPaths by descriptor', () =>
  withTempDir(async (root) => {
    await makePodDataDirs(root, 'u');
    const vol = join(root, 'pods/u/volumes/kubernetes.io~empty-dir/data');
    await mkdir(vol, { recursive: true, mode: 0o777 });
    const vols = new Map<string, MountedVolume>([['data', { hostPath: vol, readOnly: false, selinuxRelabel: true }]]);
    const mounter = new FakeMounter();
    const c: Container = { name: 'app', terminationMessagePath: '/dev/termination-log', volumeMounts: [{ name: 'data', mountPath: '/d', subPathExpr: 'a/$(DIR)' }] };
    const p = pod([c]);
    const opts = (container: Container, podIPs: string[]): MakeContainerMountsOptions => ({
      rootDir: root, pod: p, container, mounted: vols, podIPs, env: new Map([['DIR', 'b']]), bindSubPath: (s) => bindSubPath(mounter, s),
    });
    const mounts = await makeContainerMounts(opts(c, ['10.1.0.7']));
    assert.deepEqual(mounts.map((m) => m.containerPath), ['/d', '/etc/hosts', '/dev/termination-log']);
    assert.equal((await stat(join(vol, 'a/b'))).isDirectory(), true);
    const target = join(root, 'pods/u/volume-subpaths/data/app/0');
    assert.equal(mounts[0].hostPath, target);
    assert.match(mounter.calls[0], new RegExp(`^bind /proc/${process.pid}/fd/\\d+ ${target}$`));
    assert.equal((await stat(target)).isDirectory(), true);
    assert.match(await readFile(join(root, 'pods/u/etc-hosts'), 'utf8'), /\n10\.1\.0\.7\tp\n$/);
    const log = mounts[2].hostPath;
    assert.match(log, new RegExp(`^${root}/pods/u/containers/app/[0-9a-f]{8}$`));
    assert.equal((await stat(log)).mode & 0o777, 0o666);
    await makeContainerMounts(opts(c, ['10.1.0.7']));
    assert.equal((await readdir(join(root, 'pods/u/containers/app'))).length, 2);
    // No pod IP yet: no /etc/hosts mount.
    const early = await makeContainerMounts(opts(c, []));
    assert.deepEqual(early.map((m) => m.containerPath), ['/d', '/dev/termination-log']);
    // A subPath that escapes through a symlink is refused, without naming host paths.
    await symlink('/etc', join(vol, 'evil'));
    const evil: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/e', subPath: 'evil' }] };
    await assert.rejects(makeContainerMounts(opts(evil, [])), (e: Error) =>
      e.message === 'failed to prepare subPath for volumeMount "data" of container "app"' && /not within volume path/.test(String((e.cause as Error).message)));
  }));
