// Container log rotation: the pure plan (what to delete, compress and rename) and the shell
// over the fake CRI runtime with real files in a temp dir and a fake clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { FakeClock } from '../../../src/kubelet/clock.ts';
import { silentLogger, type Logger } from '../../../src/kubelet/log.ts';
import {
  nextRotatedLog, parseContainerLogMaxSize, removeContainerLogs, rotateContainerLogs, rotatedLogNames, rotationPlan, rotationTimestamp, runContainerLogRotation,
  type RotationInput,
} from '../../../src/kubelet/logs/rotation.ts';
import { CriError } from '../../../src/kubelet/runtime/cri/client.ts';
import { FakeRuntime } from '../../../src/kubelet/runtime/fake/runtime.ts';

const NOW = new Date(Date.UTC(2026, 10, 27, 3, 55, 7));
const STAMP = '20261127-035507';

function plan(over: Partial<RotationInput>) {
  return rotationPlan({ logPath: '/logs/c/0.log', liveSize: 2000, siblings: [], maxSizeBytes: 1000, maxFiles: 5, now: NOW, ...over });
}

describe('rotationPlan', () => {
  test('rotates at the size limit (upstream: size >= max), not below; a missing live file is reopened', () => {
    assert.deepEqual(plan({ liveSize: 999 }), { action: 'none' });
    assert.deepEqual(plan({ liveSize: 1000 }), { action: 'rotate', remove: [], compress: [], rotateTo: `/logs/c/0.log.${STAMP}` });
    assert.deepEqual(plan({ liveSize: undefined }), { action: 'reopen' });
    assert.deepEqual(plan({ maxSizeBytes: -1, liveSize: 1e9 }), { action: 'none' });
  });

  test('the timestamp uses the Go layout 20060102-150405', () => {
    assert.equal(rotationTimestamp(NOW), STAMP);
    assert.equal(rotationTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '20260102-030405');
  });

  test('keeps maxFiles-2 older rotated files, compresses them, drops leftovers and ignores unrelated names', () => {
    const p = plan({
      maxFiles: 4,
      siblings: [
        '0.log',
        '0.log.20261127-035000.gz', // oldest: deleted
        '0.log.20261127-035100.gz', // deleted
        '0.log.20261127-035200',    // kept, compressed
        '0.log.20261127-035200.tmp', // interrupted compression: deleted
        '0.log.20261127-035300.gz',  // kept
        '0.log.20261127-035300',     // already compressed: deleted
        '1.log', '1.log.20261127-035400', '0.log.notes', '0.logx.20261127-035400',
      ],
    });
    assert.equal(p.action, 'rotate');
    if (p.action !== 'rotate') return;
    assert.deepEqual(p.remove, [
      '/logs/c/0.log.20261127-035200.tmp', '/logs/c/0.log.20261127-035300',
      '/logs/c/0.log.20261127-035000.gz', '/logs/c/0.log.20261127-035100.gz',
    ]);
    assert.deepEqual(p.compress, ['/logs/c/0.log.20261127-035200']);
    assert.equal(p.rotateTo, `/logs/c/0.log.${STAMP}`);
  });

  test('maxFiles 2 keeps no older rotated file', () => {
    const p = plan({ maxFiles: 2, siblings: ['0.log', '0.log.20261127-035000.gz', '0.log.20261127-035100'] });
    assert.ok(p.action === 'rotate');
    assert.deepEqual(p.remove, ['/logs/c/0.log.20261127-035000.gz', '/logs/c/0.log.20261127-035100']);
    assert.deepEqual(p.compress, []);
  });

  test('a second rotation within the same second gets a counter, and counters sort after their stamp', () => {
    const p1 = plan({ siblings: [`0.log.${STAMP}`] });
    assert.ok(p1.action === 'rotate');
    assert.equal(p1.rotateTo, `/logs/c/0.log.${STAMP}-1`);
    const p2 = plan({ siblings: [`0.log.${STAMP}.gz`, `0.log.${STAMP}-1`] });
    assert.ok(p2.action === 'rotate');
    assert.equal(p2.rotateTo, `/logs/c/0.log.${STAMP}-2`);
    // With room for one older file, the counter-suffixed one is the newer and survives.
    const p3 = plan({ maxFiles: 3, siblings: [`0.log.${STAMP}-1`, `0.log.${STAMP}.gz`, '0.log.20261127-035506.gz'] });
    assert.ok(p3.action === 'rotate');
    assert.deepEqual(p3.remove, ['/logs/c/0.log.20261127-035506.gz', `/logs/c/0.log.${STAMP}.gz`]);
    assert.deepEqual(p3.compress, [`/logs/c/0.log.${STAMP}-1`]);
    assert.equal(p3.rotateTo, `/logs/c/0.log.${STAMP}-2`);
  });
});

test('parseContainerLogMaxSize reads quantities as bytes and names a bad value', () => {
  assert.equal(parseContainerLogMaxSize('10Mi'), 10 * 1024 * 1024);
  assert.equal(parseContainerLogMaxSize('64Ki'), 65536);
  assert.equal(parseContainerLogMaxSize('1M'), 1_000_000);
  assert.equal(parseContainerLogMaxSize('-1'), -1);
  assert.throws(() => parseContainerLogMaxSize('ten'), /failed to parse container log max size "ten"/);
});

// ---- the shell over the fake runtime ------------------------------------------------------

interface Env { rt: FakeRuntime; clock: FakeClock; dir: string; id: string; logPath: string; errors: string[]; log: Logger }

let root: string;
before(() => { root = mkdtempSync(join(tmpdir(), 'berth-logrot-')); });
after(() => rmSync(root, { recursive: true, force: true }));

async function setup(name: string): Promise<Env> {
  const clock = new FakeClock(NOW);
  const rt = new FakeRuntime({ now: () => clock.now() });
  rt.addImage('busybox');
  const dir = join(root, name);
  mkdirSync(join(dir, 'main'), { recursive: true });
  const sb = { metadata: { name, uid: name, namespace: 'default' }, logDirectory: dir };
  const sbId = await rt.runPodSandbox(sb);
  const id = await rt.createContainer(sbId, { metadata: { name: 'main' }, image: { image: 'busybox' }, logPath: 'main/0.log' }, sb);
  await rt.startContainer(id);
  const logPath = join(dir, 'main/0.log');
  writeFileSync(logPath, '');
  // The fake only records ReopenContainerLog; a real runtime creates the file anew.
  const reopen = rt.reopenContainerLog.bind(rt);
  rt.reopenContainerLog = async (cid: string) => {
    await reopen(cid);
    appendFileSync(rt.containers.get(cid)!.logPath, '');
  };
  const errors: string[] = [];
  const log: Logger = { ...silentLogger, error: (msg, err) => errors.push(`${msg}: ${(err as Error)?.message}`) };
  return { rt, clock, dir, id, logPath, errors, log };
}

const filesOf = (e: Env) => readdirSync(join(e.dir, 'main')).sort();

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('rotated files in the order they were written (for a reader following the log)', () => {
  const names = ['0.log', '0.log.20261127-035507-10', '0.log.20261127-035507.gz', '0.log.20261127-035507-2', '0.log.20261127-040000', '0.log.20261127-035507-1.tmp', '1.log.20261127-035508'];
  test('plain rotated files oldest first; collision counters compare as numbers', () => {
    assert.deepEqual(rotatedLogNames('0.log', names), ['0.log.20261127-035507-2', '0.log.20261127-035507-10', '0.log.20261127-040000']);
  });
  test('the file after a rotated one, or none when the live file comes next', () => {
    assert.equal(nextRotatedLog('0.log', '0.log.20261127-035507', names), '0.log.20261127-035507-2');
    assert.equal(nextRotatedLog('0.log', '0.log.20261127-035507-2', names), '0.log.20261127-035507-10');
    assert.equal(nextRotatedLog('0.log', '0.log.20261127-040000', names), undefined);
    assert.equal(nextRotatedLog('0.log', '0.log', names), undefined);
  });
});

describe('rotateContainerLogs with the fake runtime', () => {
  test('a big log is renamed with the timestamp and reopened; a small one is left alone', async () => {
    const e = await setup('big');
    writeFileSync(e.logPath, 'x'.repeat(500));
    let out = await rotateContainerLogs({ cri: e.rt, maxSizeBytes: 1000, maxFiles: 5, signal: new AbortController().signal, clock: e.clock });
    assert.equal(out.get(e.id), 'none');
    assert.equal(e.rt.callsOf('reopenContainerLog').length, 0);

    writeFileSync(e.logPath, 'y'.repeat(1500));
    out = await rotateContainerLogs({ cri: e.rt, maxSizeBytes: 1000, maxFiles: 5, signal: new AbortController().signal, clock: e.clock });
    assert.equal(out.get(e.id), 'rotated');
    assert.deepEqual(e.rt.callsOf('reopenContainerLog').map((c) => c.args), [[e.id]]);
    assert.deepEqual(filesOf(e), ['0.log', `0.log.${STAMP}`]);
    assert.equal(readFileSync(`${e.logPath}.${STAMP}`, 'utf8'), 'y'.repeat(1500));
    assert.equal(readFileSync(e.logPath, 'utf8'), '');
  });

  test('only running containers are rotated', async () => {
    const e = await setup('exited');
    writeFileSync(e.logPath, 'z'.repeat(5000));
    e.rt.exit(e.id, 0);
    const out = await rotateContainerLogs({ cri: e.rt, maxSizeBytes: 1000, maxFiles: 5, signal: new AbortController().signal, clock: e.clock });
    assert.equal(out.size, 0);
    assert.deepEqual(filesOf(e), ['0.log']);
  });

  test('a failed reopen renames the log back, and the next pass rotates it', async () => {
    const e = await setup('reopenfail');
    writeFileSync(e.logPath, 'keep me\n'.repeat(200));
    e.rt.injectError('reopenContainerLog', new CriError('ReopenContainerLog', grpc.status.UNKNOWN, 'container is not running'));
    const opts = { cri: e.rt, maxSizeBytes: 1000, maxFiles: 5, signal: new AbortController().signal, clock: e.clock, log: e.log };
    const out = await rotateContainerLogs(opts);
    assert.equal(out.has(e.id), false);
    assert.deepEqual(filesOf(e), ['0.log']);
    assert.equal(readFileSync(e.logPath, 'utf8'), 'keep me\n'.repeat(200));
    assert.equal(e.errors.length, 1);
    assert.match(e.errors[0], /Failed to rotate log for container: failed to reopen container log ".*": container is not running/);

    assert.equal((await rotateContainerLogs(opts)).get(e.id), 'rotated');
    assert.deepEqual(filesOf(e), ['0.log', `0.log.${STAMP}`]);
  });

  test('the loop asks the runtime for a log path once per container, and forgets containers that stopped', async () => {
    const e = await setup('paths');
    writeFileSync(e.logPath, 'x'.repeat(10));
    const logPaths = new Map<string, string>();
    const opts = { cri: e.rt, maxSizeBytes: 1000, maxFiles: 5, signal: new AbortController().signal, clock: e.clock, logPaths };
    await rotateContainerLogs(opts);
    assert.deepEqual([...logPaths], [[e.id, e.logPath]]);
    writeFileSync(e.logPath, 'y'.repeat(1500));
    assert.equal((await rotateContainerLogs(opts)).get(e.id), 'rotated');
    assert.equal(e.rt.callsOf('containerStatus').length, 1);

    e.rt.exit(e.id, 0);
    await rotateContainerLogs(opts);
    assert.equal(logPaths.size, 0);
  });

  test('a missing live log is reopened', async () => {
    const e = await setup('missing');
    unlinkSync(e.logPath);
    const out = await rotateContainerLogs({ cri: e.rt, maxSizeBytes: 1000, maxFiles: 5, signal: new AbortController().signal, clock: e.clock });
    assert.equal(out.get(e.id), 'reopened');
    assert.ok(existsSync(e.logPath));
  });
});

describe('runContainerLogRotation', () => {
  test('rejects maxFiles below 2 as upstream', async () => {
    const rt = new FakeRuntime();
    await assert.rejects(runContainerLogRotation({ cri: rt, maxSizeBytes: 1, maxFiles: 1, signal: new AbortController().signal }),
      /invalid MaxFiles 1, must be > 1/);
  });

  test('a negative max size disables the loop', async () => {
    const rt = new FakeRuntime();
    await runContainerLogRotation({ cri: rt, maxSizeBytes: -1, maxFiles: 5, signal: new AbortController().signal });
    assert.equal(rt.callsOf('listContainers').length, 0);
  });

  test('every interval, honours maxFiles: live + newest plain + gzipped older ones', async () => {
    const e = await setup('loop');
    const ac = new AbortController();
    const done = runContainerLogRotation({ cri: e.rt, maxSizeBytes: 100, maxFiles: 3, intervalMs: 10_000, signal: ac.signal, clock: e.clock, log: e.log });
    const stamps: string[] = [];
    for (let gen = 0; gen < 5; gen++) {
      await until('the loop to park', () => e.clock.waiting === 1);
      writeFileSync(e.logPath, `generation ${gen}\n`.repeat(20));
      stamps.push(rotationTimestamp(new Date(e.clock.now().getTime() + 10_000)));
      await e.clock.advance(10_000);
    }
    await until('the loop to park', () => e.clock.waiting === 1);
    // A pass that finds a small file does nothing.
    await e.clock.advance(10_000);
    await until('the loop to park', () => e.clock.waiting === 1);
    ac.abort();
    await done;

    assert.deepEqual(e.errors, []);
    assert.equal(e.rt.callsOf('reopenContainerLog').length, 5);
    assert.deepEqual(filesOf(e), ['0.log', `0.log.${stamps[3]}.gz`, `0.log.${stamps[4]}`]);
    assert.equal(gunzipSync(readFileSync(`${e.logPath}.${stamps[3]}.gz`)).toString(), 'generation 3\n'.repeat(20));
    assert.equal(readFileSync(`${e.logPath}.${stamps[4]}`, 'utf8'), 'generation 4\n'.repeat(20));
  });
});

test('removeContainerLogs removes the live and rotated files of one log only', async () => {
  const dir = join(root, 'clean');
  mkdirSync(dir, { recursive: true });
  for (const n of ['0.log', `0.log.${STAMP}`, `0.log.${STAMP}.gz`, '1.log', '0.logx']) writeFileSync(join(dir, n), 'x');
  await removeContainerLogs(join(dir, '0.log'));
  assert.deepEqual(readdirSync(dir).sort(), ['0.logx', '1.log']);
});
