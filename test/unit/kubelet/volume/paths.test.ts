import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mountPointsBelow, parseMountInfo } from '../../../../src/kubelet/volume/mounter.ts';
import { cleanupPodDataDirs, escapePluginName, makePodDataDirs, podDir, volumeDir } from '../../../../src/kubelet/volume/paths.ts';
import { FakeMounter, withTempDir } from './fakes.ts';

test('pod data dirs follow the upstream layout and are removed on cleanup', () =>
  withTempDir(async (root) => {
    await makePodDataDirs(root, 'abc');
    await makePodDataDirs(root, 'abc'); // idempotent
    for (const sub of ['volumes', 'plugins', 'containers']) {
      const st = await stat(join(root, 'pods/abc', sub));
      assert.equal(st.isDirectory(), true);
      assert.equal(st.mode & 0o777, 0o750 & ~process.umask());
    }
    assert.equal(volumeDir(root, 'abc', 'kubernetes.io/empty-dir', 'cache'), join(root, 'pods/abc/volumes/kubernetes.io~empty-dir/cache'));
    assert.equal(escapePluginName('kubernetes.io/configmap'), 'kubernetes.io~configmap');
    assert.throws(() => podDir(root, '../etc'), /invalid pod UID/);
    const mounter = new FakeMounter();
    mounter.mounted.set(join(root, 'pods/abc/volumes/kubernetes.io~empty-dir/cache'), undefined);
    await assert.rejects(cleanupPodDataDirs(root, 'abc', mounter), /still has mounted volumes/);
    mounter.mounted.clear();
    await cleanupPodDataDirs(root, 'abc', mounter);
    await assert.rejects(lstat(join(root, 'pods/abc')), { code: 'ENOENT' });
  }));

test('mountinfo parsing decodes escapes; mount points below a dir come deepest first', () => {
  const text = [
    '22 1 0:21 / / rw,relatime - ext4 /dev/sda1 rw',
    '30 22 0:40 / /var/lib/berth/pods/u/volumes/a rw - tmpfs tmpfs rw,size=1024k',
    '31 30 0:41 / /var/lib/berth/pods/u/volumes/a/b rw - tmpfs tmpfs rw',
    '32 22 0:42 / /mnt/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  const points = parseMountInfo(text);
  assert.deepEqual(points, ['/', '/var/lib/berth/pods/u/volumes/a', '/var/lib/berth/pods/u/volumes/a/b', '/mnt/with space']);
  assert.deepEqual(mountPointsBelow(points, '/var/lib/berth/pods/u'), ['/var/lib/berth/pods/u/volumes/a/b', '/var/lib/berth/pods/u/volumes/a']);
  assert.deepEqual(mountPointsBelow(points, '/var/lib/berth/pods/u2'), []);
});
