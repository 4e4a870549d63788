// `kubectl logs -f` over real files in a temp dir: follow survives rotations (the live file renamed
// to `<path>.<stamp>` and a fresh one created, as logs/rotation.ts and the runtime's reopen do), and
// every line arrives exactly once and in order, whole even when written in pieces.
//
// Each poll turn of serveLog asks `running()` once, at its start; the tests use that call to take
// the writer one scripted step further, so what the reader sees at each turn is exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { rotationTimestamp } from '../../../src/kubelet/logs/rotation.ts';
import { serveLog, type FollowOptions } from '../../../src/kubelet/logs/serve.ts';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'berth-follow-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const TS = '2026-11-27T03:55:07.123456789Z';
const full = (text: string, stream = 'stdout') => `${TS} ${stream} F ${text}\n`;
const part = (text: string) => `${TS} stdout P ${text}\n`;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

let seq = 0;
/** A fresh log path in its own directory. */
function logFile(initial = ''): string {
  const d = join(dir, `c${++seq}`);
  mkdirSync(d);
  const p = join(d, '0.log');
  writeFileSync(p, initial);
  return p;
}

let stampSecond = 0;
/** What rotation does: rename the live file to `<path>.<stamp>`; the runtime then creates a fresh one. */
function rotate(path: string, { reopen = true } = {}): string {
  const rotated = `${path}.${rotationTimestamp(new Date(Date.UTC(2026, 10, 27, 4, 0, stampSecond++)))}`;
  renameSync(path, rotated);
  if (reopen) writeFileSync(path, '');
  return rotated;
}

/** Follows path while the script runs one step per poll turn; the container stops after the last. */
async function followScript(path: string, steps: Array<() => void>, o: Partial<FollowOptions> = {}): Promise<string> {
  const out = new Collect();
  let turn = 0;
  const running = () => {
    steps[turn]?.();
    turn++;
    return turn <= steps.length;
  };
  const ac = new AbortController();
  const guard = setTimeout(() => ac.abort(), 10_000);
  try {
    await serveLog(path, out, { follow: true, running, signal: ac.signal, pollMs: 1, ...o });
  } finally {
    clearTimeout(guard);
  }
  assert.ok(!ac.signal.aborted, `follow did not end after the container stopped (turn ${turn}); got ${JSON.stringify(out.text)}`);
  return out.text;
}

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');

describe('serveLog follow', () => {
  test('survives rotations, late writes to the renamed file and two rotations within one turn', async () => {
    const path = logFile(full('line 1') + full('line 2'));
    let a = '';
    const text = await followScript(path, [
      () => appendFileSync(path, full('line 3') + full('line 4')),
      () => { appendFileSync(path, full('line 5')); a = rotate(path); },
      // The runtime still writes to the renamed file until its reopen has swapped files.
      () => appendFileSync(a, full('line 6')),
      () => appendFileSync(a, full('line 7')),
      () => appendFileSync(path, full('line 8')),
      () => {},
      () => { rotate(path); appendFileSync(path, full('line 9')); },
      () => appendFileSync(path, full('line 10')),
      // Two rotations between turns: the middle file is read too, in its place.
      () => {
        appendFileSync(path, full('line 11'));
        rotate(path);
        appendFileSync(path, full('line 12'));
        rotate(path);
        appendFileSync(path, full('line 13'));
      },
      () => {},
      () => appendFileSync(path, full('line 14')),
    ]);
    assert.equal(text, lines(1, 14));
  });

  test('the new file is bigger than the renamed one: nothing read past the old file\'s end', async () => {
    const path = logFile(full('line 1'));
    const text = await followScript(path, [
      () => { rotate(path); appendFileSync(path, full('line 2') + full(`line 3 ${'x'.repeat(5000)}`)); },
      () => appendFileSync(path, full('line 4')),
    ]);
    assert.equal(text, `line 1\nline 2\nline 3 ${'x'.repeat(5000)}\nline 4\n`);
    assert.ok(!text.includes('\0'));
  });

  test('partial (P) lines join across a rotation, and lines written in pieces arrive whole', async () => {
    const path = logFile(part('hel'));
    const piece = Buffer.from(full('héllo wörld'));
    const cut = piece.indexOf(Buffer.from('é')) + 1; // inside the two-byte é
    const text = await followScript(path, [
      () => { rotate(path); appendFileSync(path, full('lo')); },
      () => appendFileSync(path, piece.subarray(0, cut)),
      () => appendFileSync(path, piece.subarray(cut, cut + 5)),
      () => appendFileSync(path, piece.subarray(cut + 5)),
      () => appendFileSync(path, `${TS} stdout P a`),
      () => appendFileSync(path, `b\n${TS} stdout F c\n`),
    ]);
    assert.equal(text, 'hello\nhéllo wörld\nabc\n');
  });

  test('a file larger than one read is followed whole', async () => {
    const path = logFile();
    const many = Array.from({ length: 5000 }, (_, i) => full(`line ${i + 1} ${'y'.repeat(40)}`)).join('');
    const text = await followScript(path, [() => appendFileSync(path, many)]);
    assert.equal(text, Array.from({ length: 5000 }, (_, i) => `line ${i + 1} ${'y'.repeat(40)}\n`).join(''));
  });

  test('after the container stops, the rest of the renamed file and the new file are read, then follow ends', async () => {
    const path = logFile(full('line 1'));
    const out = new Collect();
    let turn = 0;
    const running = () => {
      if (turn++ === 0) {
        const old = rotate(path);
        appendFileSync(old, full('line 2'));
        appendFileSync(path, full('line 3'));
      }
      return false;
    };
    await serveLog(path, out, { follow: true, running, signal: new AbortController().signal, pollMs: 1 });
    assert.equal(out.text, lines(1, 3));
  });

  test('a rotation whose reopen has not happened yet (no live file) is waited out', async () => {
    const path = logFile(full('line 1'));
    let old = '';
    const text = await followScript(path, [
      () => { old = rotate(path, { reopen: false }); appendFileSync(old, full('line 2')); },
      () => {},
      () => appendFileSync(path, full('line 3')),
    ]);
    assert.equal(text, lines(1, 3));
  });

  test('the stream and limitBytes options hold for followed lines too', async () => {
    const path = logFile(full('line 1'));
    const text = await followScript(path, [
      () => { rotate(path); appendFileSync(path, full('err 1', 'stderr') + full('line 2')); },
      () => appendFileSync(path, full('line 3') + full('line 4')),
    ], { stream: 'stdout', limitBytes: 17 });
    assert.equal(text, 'line 1\nline 2\nlin');
  });

  test('ends when the client goes away while the container keeps running', { timeout: 10_000 }, async () => {
    const path = logFile(full('line 1'));
    const ac = new AbortController();
    const out = new Collect();
    const done = serveLog(path, out, { follow: true, running: () => true, signal: ac.signal, pollMs: 1 });
    // Waits for what the follower has sent, not for a fixed time: on a loaded machine 30 ms was too short.
    const until = async (ok: () => boolean) => { while (!ok()) await new Promise((r) => setTimeout(r, 5)); };
    await until(() => out.text === lines(1, 1));
    appendFileSync(path, full('line 2'));
    await until(() => out.text === lines(1, 2));
    ac.abort();
    await done;
    assert.equal(out.text, lines(1, 2));
  });

  test('without follow, an unfinished last line is still shown (as upstream)', async () => {
    const path = logFile(full('line 1') + `${TS} stdout F line 2`);
    const out = new Collect();
    await serveLog(path, out, { signal: new AbortController().signal });
    assert.equal(out.text, 'line 1\nline 2\n');
  });
});
