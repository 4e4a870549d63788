import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { checkHostPathType } from '../../../../src/kubelet/volume/hostpath.ts';
import { withTempDir } from './fakes.ts';

test('no type: nothing is checked, even a missing path', () =>
  withTempDir(async (root) => {
    await checkHostPathType(join(root, 'missing'), '');
    await checkHostPathType(join(root, 'missing'), undefined);
  }));

test('DirectoryOrCreate creates 0755 directories; FileOrCreate creates 0644 files', () =>
  withTempDir(async (root) => {
    const d = join(root, 'a/b');
    await checkHostPathType(d, 'DirectoryOrCreate');
    const ds = await stat(d);
    assert.equal(ds.isDirectory(), true);
    assert.equal(ds.mode & 0o777, 0o755 & ~process.umask());
    const f = join(root, 'f');
    await checkHostPathType(f, 'FileOrCreate');
    const fs = await stat(f);
    assert.equal(fs.isFile(), true);
    assert.equal(fs.mode & 0o777, 0o644 & ~process.umask());
    await assert.rejects(checkHostPathType(join(root, 'no/parent'), 'FileOrCreate'), { code: 'ENOENT' });
    await assert.rejects(checkHostPathType(f, 'DirectoryOrCreate'), { message: `hostPath type check failed: ${f} is not a directory` });
  }));

test('each type rejects the wrong kind of path with the upstream message', () =>
  withTempDir(async (root) => {
    const dir = join(root, 'dir');
    const file = join(root, 'file');
    await mkdir(dir);
    await writeFile(file, 'x');
    await checkHostPathType(dir, 'Directory');
    await checkHostPathType(file, 'File');
    await checkHostPathType('/dev/null', 'CharDevice');
    const cases: Array<[string, string, string]> = [
      [join(root, 'missing'), 'Directory', 'is not a directory'],
      [file, 'Directory', 'is not a directory'],
      [dir, 'File', 'is not a file'],
      [file, 'FileOrCreate', ''],
      [file, 'Socket', 'is not a socket file'],
      [file, 'CharDevice', 'is not a character device'],
      ['/dev/null', 'BlockDevice', 'is not a block device'],
    ];
    for (const [path, type, what] of cases) {
      if (!what) {
        await checkHostPathType(path, type);
        continue;
      }
      await assert.rejects(checkHostPathType(path, type), { message: `hostPath type check failed: ${path} ${what}` }, `${type} ${path}`);
    }
    await assert.rejects(checkHostPathType(file, 'Bogus'), /invalid HostPathType: "Bogus"/);
  }));

test('Socket accepts a unix socket', () =>
  withTempDir(async (root) => {
    const sock = join(root, 's.sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      await checkHostPathType(sock, 'Socket');
    } finally {
      await new Promise((r) => server.close(r));
    }
  }));
