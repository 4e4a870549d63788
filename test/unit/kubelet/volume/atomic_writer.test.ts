import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generationPrefix, invalidPayloadPath, writeAtomic, type Payload } from '../../../../src/kubelet/volume/atomic_writer.ts';
import { withTempDir } from './fakes.ts';

const file = (text: string, mode = 0o644) => ({ data: Buffer.from(text), mode });

test('writes files into a generation dir behind ..data with per-key symlinks', () =>
  withTempDir(async (root) => {
    const dir = join(root, 'vol');
    const payload: Payload = new Map([
      ['a', file('alpha')],
      ['nested/b.txt', file('beta', 0o400)],
    ]);
    assert.equal(await writeAtomic(dir, payload, { now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }), true);
    const gen = await readlink(join(dir, '..data'));
    assert.match(gen, /^\.\.2026_01_02_03_04_05\./);
    assert.equal(await readlink(join(dir, 'a')), '..data/a');
    assert.equal(await readlink(join(dir, 'nested')), '..data/nested');
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'alpha');
    assert.equal(await readFile(join(dir, 'nested/b.txt'), 'utf8'), 'beta');
    assert.equal((await stat(join(dir, 'nested/b.txt'))).mode & 0o777, 0o400);
    assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(dir)).sort(), [gen, '..data', 'a', 'nested'].sort());
  }));

test('an update swaps ..data to a new generation, keeps links valid and removes the old one and dropped keys', () =>
  withTempDir(async (root) => {
    const dir = join(root, 'vol');
    await writeAtomic(dir, new Map([['a', file('1')], ['gone', file('x')]]));
    const first = await readlink(join(dir, '..data'));
    assert.equal(await writeAtomic(dir, new Map([['a', file('2')], ['new', file('n')]])), true);
    const second = await readlink(join(dir, '..data'));
    assert.notEqual(first, second);
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), '2');
    assert.equal(await readFile(join(dir, 'new'), 'utf8'), 'n');
    await assert.rejects(lstat(join(dir, 'gone')), { code: 'ENOENT' });
    await assert.rejects(lstat(join(dir, first)), { code: 'ENOENT' });
    assert.equal((await lstat(join(dir, '..data'))).isSymbolicLink(), true);
    assert.deepEqual((await readdir(dir)).sort(), [second, '..data', 'a', 'new'].sort());
  }));

test('identical content does not rewrite; a mode change does', () =>
  withTempDir(async (root) => {
    const dir = join(root, 'vol');
    await writeAtomic(dir, new Map([['a', file('same')]]));
    const gen = await readlink(join(dir, '..data'));
    const ino = (await stat(join(dir, 'a'))).ino;
    assert.equal(await writeAtomic(dir, new Map([['a', file('same')]])), false);
    assert.equal(await readlink(join(dir, '..data')), gen);
    assert.equal((await stat(join(dir, 'a'))).ino, ino);
    assert.equal(await writeAtomic(dir, new Map([['a', file('same', 0o600)]])), true);
    assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o600);
  }));

test('fsGroup gives the files the group and group read', () =>
  withTempDir(async (root) => {
    const dir = join(root, 'vol');
    await writeAtomic(dir, new Map([['k', file('v', 0o600)]]), { fsGroup: 4242 });
    const st = await stat(join(dir, 'k'));
    assert.equal(st.gid, 4242);
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(await writeAtomic(dir, new Map([['k', file('v', 0o600)]]), { fsGroup: 4242 }), false);
  }));

test('paths that could escape are rejected', async () => {
  assert.equal(invalidPayloadPath('/etc/passwd'), 'must be a relative path');
  assert.equal(invalidPayloadPath('a/../../b'), "must not contain '..'");
  assert.equal(invalidPayloadPath('..data'), "must not start with '..'");
  assert.equal(invalidPayloadPath('ok/file'), undefined);
  await withTempDir(async (root) => {
    await assert.rejects(writeAtomic(join(root, 'v'), new Map([['../x', file('x')]])), /invalid path "..\/x": must not contain '..'/);
  });
  assert.equal(generationPrefix(new Date(Date.UTC(2026, 10, 27, 3, 55, 9))), '..2026_11_27_03_55_09.');
});
