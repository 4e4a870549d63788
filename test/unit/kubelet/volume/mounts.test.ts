import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { containerMounts, expandVars, makeContainerMounts } from '../../../../src/kubelet/volume/mounts.ts';
import { makePodDataDirs } from '../../../../src/kubelet/volume/paths.ts';
import type { Container, Pod, VolumeMount } from '../../../../src/api/core/index.ts';
import type { MountedVolume } from '../../../../src/kubelet/volume/types.ts';
import { withTempDir } from './fakes.ts';

const mounted = new Map<string, MountedVolume>([
  ['data', { hostPath: '/r/pods/u/volumes/kubernetes.io~empty-dir/data', readOnly: false, selinuxRelabel: true }],
  ['cfg', { hostPath: '/r/pods/u/volumes/kubernetes.io~configmap/cfg', readOnly: true, selinuxRelabel: true }],
  ['host', { hostPath: '/var/log', readOnly: false, selinuxRelabel: false }],
]);

const pod = (containers: Container[]): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers } });

test('volumeMounts become CRI mounts with subPath, readOnly and propagation', () => {
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
  const mounts = containerMounts(pod([c]), c, mounted, { etcHostsPath: '/r/pods/u/etc-hosts', terminationLogPath: '/r/pods/u/containers/app/abcd1234' });
  const brief = mounts.map((m) => [m.containerPath, m.hostPath, m.readonly, m.propagation, m.selinuxRelabel, m.recursiveReadOnly]);
  assert.deepEqual(brief, [
    ['/data', '/r/pods/u/volumes/kubernetes.io~empty-dir/data', false, 'PROPAGATION_PRIVATE', true, false],
    ['/logs', '/r/pods/u/volumes/kubernetes.io~empty-dir/data/logs/app', true, 'PROPAGATION_PRIVATE', true, false],
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
  const mounts = containerMounts(pod([c]), c, mounted, { etcHostsPath: '/r/pods/u/etc-hosts' });
  assert.deepEqual(mounts.map((m) => [m.containerPath, m.hostPath]), [['/etc/hosts', '/var/log/hosts']]);
  const missing: Container = { name: 'app', volumeMounts: [{ name: 'nope', mountPath: '/x' }] };
  assert.throws(() => containerMounts(pod([missing]), missing, mounted), { message: 'cannot find volume "nope" to mount into container "app"' });
  const escape: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '../../etc' }] };
  assert.throws(() => containerMounts(pod([escape]), escape, mounted), /must not contain '\.\.'/);
  const abs: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '/etc' }] };
  assert.throws(() => containerMounts(pod([abs]), abs, mounted), /must not be an absolute path/);
  // Not a mode the API defines, yet nothing upstream of the kubelet rejects it.
  const prop: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/x', mountPropagation: 'Sideways' as VolumeMount['mountPropagation'] }] };
  assert.throws(() => containerMounts(pod([prop]), prop, mounted), /invalid mount propagation mode "Sideways"/);
});

test('subPathExpr expands from env, including downward fieldRefs', () => {
  assert.equal(expandVars('$(A)/$(B)/$$(A)/$(MISSING)', { A: 'x', B: 'y' }), 'x/y/$(A)/$(MISSING)');
  const c: Container = {
    name: 'app',
    env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'DIR', value: 'logs-$(POD)' }],
    volumeMounts: [{ name: 'data', mountPath: '/out', subPathExpr: '$(DIR)' }],
  };
  const [m] = containerMounts(pod([c]), c, mounted);
  assert.equal(m.hostPath, '/r/pods/u/volumes/kubernetes.io~empty-dir/data/logs-p');
});

test('makeContainerMounts writes etc-hosts, a fresh termination log per instance and subPath dirs', () =>
  withTempDir(async (root) => {
    await makePodDataDirs(root, 'u');
    const vol = join(root, 'pods/u/volumes/kubernetes.io~empty-dir/data');
    await mkdir(vol, { recursive: true, mode: 0o777 });
    const vols = new Map<string, MountedVolume>([['data', { hostPath: vol, readOnly: false, selinuxRelabel: true }]]);
    const c: Container = { name: 'app', terminationMessagePath: '/dev/termination-log', volumeMounts: [{ name: 'data', mountPath: '/d', subPath: 'a/b' }] };
    const p = pod([c]);
    const mounts = await makeContainerMounts({ rootDir: root, pod: p, container: c, mounted: vols, podIPs: ['10.1.0.7'] });
    assert.deepEqual(mounts.map((m) => m.containerPath), ['/d', '/etc/hosts', '/dev/termination-log']);
    assert.equal((await stat(join(vol, 'a/b'))).isDirectory(), true);
    assert.match(await readFile(join(root, 'pods/u/etc-hosts'), 'utf8'), /\n10\.1\.0\.7\tp\n$/);
    const log = mounts[2].hostPath;
    assert.match(log, new RegExp(`^${root}/pods/u/containers/app/[0-9a-f]{8}$`));
    assert.equal((await stat(log)).mode & 0o777, 0o666);
    await makeContainerMounts({ rootDir: root, pod: p, container: c, mounted: vols, podIPs: ['10.1.0.7'] });
    assert.equal((await readdir(join(root, 'pods/u/containers/app'))).length, 2);
    // No pod IP yet: no /etc/hosts mount.
    const early = await makeContainerMounts({ rootDir: root, pod: p, container: c, mounted: vols, podIPs: [] });
    assert.deepEqual(early.map((m) => m.containerPath), ['/d', '/dev/termination-log']);
    // A subPath that escapes through a symlink is refused.
    await symlink('/etc', join(vol, 'evil'));
    const evil: Container = { name: 'app', volumeMounts: [{ name: 'data', mountPath: '/e', subPath: 'evil' }] };
    await assert.rejects(makeContainerMounts({ rootDir: root, pod: p, container: evil, mounted: vols, podIPs: [] }), /subpath "\/etc" not within volume path/);
  }));
