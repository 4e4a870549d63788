// The mount helper: one long-lived shell runs mount(8)/umount(8) for the kubelet, each request
// in its own subshell. Here with fake mount and umount commands on its PATH (no root needed).
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MountHelper, commandOf, parseReplies, requestLine } from '../../../../src/kubelet/volume/mount_helper.ts';
import { coalescedReader, likelyMountPoint } from '../../../../src/kubelet/volume/mounter.ts';

describe('mount helper protocol', () => {
  it('request lines carry the operation, the size and the target; odd targets are refused', () => {
    assert.equal(requestLine(7, { op: 'tmpfs', target: '/var/lib/kubelet/pods/u/volumes/x', sizeBytes: 1000.5 }), '7 tmpfs 1001 /var/lib/kubelet/pods/u/volumes/x\n');
    assert.equal(requestLine(8, { op: 'tmpfs', target: '/a b' }), '8 tmpfs - /a b\n');
    assert.equal(requestLine(9, { op: 'umount', target: '/a' }), '9 umount - /a\n');
    assert.throws(() => requestLine(1, { op: 'umount', target: 'relative' }), /invalid mount target/);
    assert.throws(() => requestLine(1, { op: 'umount', target: '/a\nb' }), /invalid mount target/);
    assert.equal(commandOf({ op: 'tmpfs', target: '/t', sizeBytes: 5 }), 'mount -t tmpfs -o size=5 tmpfs /t');
    assert.equal(requestLine(10, { op: 'bind', source: '/proc/42/fd/7', target: '/p/volume-subpaths/v/c/0' }), '10 bind /proc/42/fd/7 /p/volume-subpaths/v/c/0\n');
    assert.equal(commandOf({ op: 'bind', source: '/proc/42/fd/7', target: '/t' }), 'mount --no-canonicalize --bind /proc/42/fd/7 /t');
    assert.throws(() => requestLine(1, { op: 'bind', source: '/proc/1/fd/3 /etc', target: '/t' }), /invalid bind mount source/);
  });

  it('replies are framed, may hold newlines and may arrive in pieces', () => {
    const a = parseReplies('\x011 0 \x02\x012 32 mount: /x: bad\noption\x02\x013 0');
    assert.deepEqual(a.replies, [{ id: 1, rc: 0, output: '' }, { id: 2, rc: 32, output: 'mount: /x: bad\noption' }]);
    const b = parseReplies(a.rest + ' \x02');
    assert.deepEqual(b.replies, [{ id: 3, rc: 0, output: '' }]);
    assert.equal(b.rest, '');
  });
});

describe('MountHelper with fake mount(8)', () => {
  let bin: string;
  let log: string;
  before(async () => {
    bin = await mkdtemp(join(tmpdir(), 'berth-fake-mount-'));
    log = join(bin, 'calls.log');
    // mount sleeps a while (to show requests overlap) and fails for targets under /fail.
    await writeFile(join(bin, 'mount'), `#!/bin/sh\necho "mount $*" >> ${log}\nsleep 0.3\ncase "$*" in *" /fail"*) echo "mount: $4: permission denied" >&2; exit 32;; esac\n`);
    await writeFile(join(bin, 'umount'), `#!/bin/sh\necho "umount $*" >> ${log}\n`);
    await chmod(join(bin, 'mount'), 0o755);
    await chmod(join(bin, 'umount'), 0o755);
  });
  after(async () => rm(bin, { recursive: true, force: true }));

  it('runs requests concurrently and reports each one its own outcome', async () => {
    const helper = new MountHelper({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    try {
      const started = performance.now();
      const results = await Promise.allSettled([
        ...Array.from({ length: 5 }, (_, i) => helper.run({ op: 'tmpfs', target: `/ok/${i}`, sizeBytes: i ? 1024 : undefined })),
        helper.run({ op: 'tmpfs', target: '/fail/x' }),
        helper.run({ op: 'umount', target: '/ok/0' }),
      ]);
      const took = performance.now() - started;
      assert.ok(took < 1500, `six 0.3 s mounts overlap (took ${took.toFixed(0)} ms)`);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const err = (results[5] as PromiseRejectedResult).reason as Error;
      assert.match(err.message, /^mount -t tmpfs tmpfs \/fail\/x failed: mount: \/fail\/x: permission denied$/);
      const calls = (await readFile(log, 'utf8')).split('\n').filter(Boolean).sort();
      assert.ok(calls.includes('mount -t tmpfs tmpfs /ok/0'));
      assert.ok(calls.includes('mount -t tmpfs -o size=1024 tmpfs /ok/1'));
      assert.ok(calls.includes('umount /ok/0'));
    } finally {
      helper.close();
    }
  });

  it('fails what is pending when closed, and starts again on the next request', async () => {
    const helper = new MountHelper({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const pending = helper.run({ op: 'tmpfs', target: '/ok/slow' });
    helper.close();
    await assert.rejects(pending, /mount helper closed/);
    await helper.run({ op: 'umount', target: '/ok/again' });
    helper.close();
  });
});

describe('mount points and the mount table', () => {
  it('tells a mount point by its device', async () => {
    assert.equal(await likelyMountPoint('/proc'), true);
    assert.equal(await likelyMountPoint(tmpdir() + '/no-such-dir-berth'), false);
    assert.equal(await likelyMountPoint(import.meta.dirname), false);
  });

  it('shares a read only among callers that came before it started', async () => {
    let reads = 0;
    let release!: () => void;
    const read = coalescedReader(async () => {
      const n = ++reads;
      await new Promise<void>((r) => (release = r));
      return n;
    });
    const first = read();
    // These came while the first read was running: they may not use it, they share the next one.
    const second = read();
    const third = read();
    release();
    assert.equal(await first, 1);
    await new Promise((r) => setImmediate(r));
    release();
    assert.deepEqual([await second, await third], [2, 2]);
    assert.equal(reads, 2);
  });
});
