// emptyDir medium: Memory (and the tmpfs behind secret volumes) with the real mount(8):
// a tmpfs of the right size appears under the pod's volumes dir and is gone after teardown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors } from '../../src/api/errors.ts';
import { VolumeManager } from '../../src/kubelet/volume/manager.ts';
import { createMounter } from '../../src/kubelet/volume/mounter.ts';
import { cleanupPodDataDirs } from '../../src/kubelet/volume/paths.ts';
import type { Pod } from '../../src/api/core/index.ts';
import type { VolumeObjectSource } from '../../src/kubelet/volume/types.ts';

function mountNotPermitted(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting tmpfs needs root';
  const probe = join(tmpdir(), `berth-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe]);
    return undefined;
  } catch (e) {
    return `mount -t tmpfs is not permitted here: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    execFileSync('rm', ['-rf', probe]);
  }
}

/** The tmpfs mount entry for a path from /proc/mounts, if any. */
async function tmpfsAt(path: string): Promise<string | undefined> {
  const lines = (await readFile('/proc/mounts', 'utf8')).split('\n');
  return lines.find((l) => l.split(' ')[1] === path && l.split(' ')[2] === 'tmpfs');
}

const objects: VolumeObjectSource = {
  async getSecret(_ns, name) {
    if (name !== 'creds') throw errors.notFound({ group: '', resource: 'secrets' }, name);
    return { metadata: { name }, data: { password: Buffer.from('hunter2').toString('base64') } };
  },
  async getConfigMap(_ns, name) {
    throw errors.notFound({ group: '', resource: 'configmaps' }, name);
  },
  async requestServiceAccountToken() {
    throw new Error('not used');
  },
};

const skip = mountNotPermitted();

test('emptyDir medium Memory is a sized tmpfs, unmounted on teardown', { skip }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-volumes-'));
  const mounter = createMounter();
  const mgr = new VolumeManager({ rootDir: root, objects, mounter, nodeAllocatable: () => ({ memory: '1Gi' }) });
  const pod: Pod = {
    metadata: { name: 'mem', namespace: 'default', uid: 'it-uid-1' },
    spec: {
      containers: [{ name: 'c' }],
      volumes: [
        { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'creds', secret: { secretName: 'creds' } },
      ],
    },
  };
  try {
    const mounted = await mgr.mountPodVolumes(pod);
    const cache = mounted.get('cache')!.hostPath;
    const creds = mounted.get('creds')!.hostPath;
    const entry = await tmpfsAt(cache);
    assert.ok(entry, `no tmpfs at ${cache}`);
    assert.match(entry, /size=16384k/);
    assert.ok(await tmpfsAt(creds), `no tmpfs behind the secret volume at ${creds}`);
    assert.equal(await readFile(join(creds, 'password'), 'utf8'), 'hunter2');
    await writeFile(join(cache, 'f'), 'x');
    await mgr.mountPodVolumes(pod); // resync: still exactly one mount each
    const count = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.split(' ')[1] === cache).length;
    assert.equal(count, 1);
    assert.equal(await readFile(join(cache, 'f'), 'utf8'), 'x');
    await mgr.unmountPodVolumes('it-uid-1');
    assert.equal(await tmpfsAt(cache), undefined);
    assert.equal(await tmpfsAt(creds), undefined);
    await assert.rejects(lstat(cache), { code: 'ENOENT' });
    await cleanupPodDataDirs(root, 'it-uid-1', mounter);
    await assert.rejects(lstat(join(root, 'pods/it-uid-1')), { code: 'ENOENT' });
  } finally {
    for (const p of await mounter.mountPointsUnder(root)) await mounter.unmount(p).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
