// Container log rotation against a real containerd: a busybox container writing as fast as it
// can, rotated at 64Ki keeping 3 files, and followed as `kubectl logs -f` does. Needs root, containerd, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { BUSYBOX_IMAGE, startTestContainerd, type TestContainerd } from '../support/containerd.ts';
import { parseCriLine } from '../../src/kubelet/logs/crilog.ts';
import { parseContainerLogMaxSize, runContainerLogRotation } from '../../src/kubelet/logs/rotation.ts';
import { serveLog } from '../../src/kubelet/logs/serve.ts';
import { silentLogger, type Logger } from '../../src/kubelet/log.ts';
import type { CriClient, In, PodSandboxConfig } from '../../src/kubelet/runtime/cri/client.ts';

const LINE = 'a'.repeat(100);

let env: TestContainerd;

/** Complete lines of a CRI log (a line still being written at the end is dropped), parsed. */
function parsedLines(content: string) {
  const complete = content.slice(0, content.lastIndexOf('\n') + 1);
  return complete.split('\n').filter((l) => l.length > 0).map((l) => ({ raw: l, parsed: parseCriLine(l) }));
}

/**
 * Every complete line is a CRI line of the writer's output. containerd hands a reopened log the
 * container's output from wherever the pipe is, so a file's first and last line may be a piece
 * of the writer's line; every other line is whole.
 */
function assertLinesParse(what: string, content: string): number {
  const lines = parsedLines(content);
  assert.ok(lines.length > 2, `${what}: only ${lines.length} complete lines`);
  lines.forEach(({ raw, parsed }, i) => {
    assert.ok(parsed, `${what}: unparsable line ${i}: ${JSON.stringify(raw.slice(0, 200))}`);
    assert.equal(parsed.stream, 'stdout');
    const edge = i === 0 || i === lines.length - 1;
    if (edge) assert.match(parsed.text, /^a{0,100}$/, `${what}: line ${i}/${lines.length}: ${JSON.stringify(raw.slice(0, 200))}`);
    else assert.equal(parsed.text, LINE, `${what}: line ${i}/${lines.length}: ${JSON.stringify(raw.slice(0, 200))}`);
    if (!edge) assert.equal(parsed.full, true);
  });
  return lines.length;
}

describe('container log rotation against containerd', { timeout: 180_000 }, () => {
  before(async () => { env = await startTestContainerd(); });
  after(async () => { await env?.stop(); });

  test('a fast writer is rotated at 64Ki, keeping at most 3 files, and keeps writing after reopen', async (t) => {
    const w = await startWriter('logrot', `while true; do echo ${LINE}; done`);
    const ac = new AbortController();
    let loop: Promise<void> | undefined;
    try {
      const { ctrId, logPath, logDir } = w;

      let reopens = 0;
      const cri: CriClient = {
        ...env.cri,
        reopenContainerLog: async (id, o) => { await env.cri.reopenContainerLog(id, o); reopens++; },
      };
      const errors: string[] = [];
      const log: Logger = { ...silentLogger, error: (msg, err) => errors.push(`${msg}: ${(err as Error)?.message}`) };
      loop = runContainerLogRotation({
        cri, maxSizeBytes: parseContainerLogMaxSize('64Ki'), maxFiles: 3, intervalMs: 200, signal: ac.signal, log,
      });

      // Sample the directory while rotations happen: never more than 3 files.
      let most = 0;
      const until = Date.now() + 30_000;
      while (reopens < 4) {
        most = Math.max(most, readdirSync(logDir).length);
        assert.ok(Date.now() < until, `only ${reopens} rotations in 30 s; errors: ${errors.join('; ')}`);
        await sleep(20);
      }
      ac.abort();
      await loop;
      t.diagnostic(`rotations: ${reopens}, most files seen: ${most}`);
      assert.deepEqual(errors, []);
      assert.ok(most <= 3, `saw ${most} files at once`);

      const files = readdirSync(logDir).sort();
      assert.ok(files.length <= 3, `files: ${files.join(', ')}`);
      const gz = files.filter((f) => /^0\.log\.\d{8}-\d{6}(-\d+)?\.gz$/.test(f));
      const plain = files.filter((f) => /^0\.log\.\d{8}-\d{6}(-\d+)?$/.test(f));
      assert.deepEqual([files.includes('0.log'), gz.length, plain.length], [true, 1, 1], `files: ${files.join(', ')}`);

      // The runtime writes to the new live file after ReopenContainerLog.
      const before = statSync(logPath).size;
      await sleep(300);
      const grown = statSync(logPath).size;
      assert.ok(grown > before, `live log did not grow (${before} → ${grown})`);
      assert.equal((await env.cri.containerStatus(ctrId)).status?.state, 'CONTAINER_RUNNING');

      const liveLines = assertLinesParse('live log', readFileSync(logPath, 'utf8'));
      const rotatedLines = assertLinesParse('rotated log', readFileSync(join(logDir, plain[0]), 'utf8'));
      const gzLines = assertLinesParse('compressed log', gunzipSync(readFileSync(join(logDir, gz[0]))).toString());
      t.diagnostic(`lines: live ${liveLines}, rotated ${rotatedLines}, compressed ${gzLines}`);
      assert.ok(statSync(join(logDir, plain[0])).size >= 64 * 1024, 'a file is rotated only once it reached the limit');
    } finally {
      ac.abort();
      await loop?.catch(() => {});
      await w.remove();
    }
  });

  test('kubectl logs -f follows a counting writer across real rotations: every line once, in order', async (t) => {
    // Numbered lines, padded so that 64Ki fills in a few hundred lines.
    const w = await startWriter('logfollow', `i=0; while true; do i=$((i+1)); echo "$i ${'b'.repeat(60)}"; done`);
    const ac = new AbortController();
    const stopFollow = new AbortController();
    let loop: Promise<void> | undefined;
    try {
      const out = new CountingWriter();
      let running = true;
      const following = serveLog(w.logPath, out, { follow: true, running: () => running, signal: stopFollow.signal, pollMs: 20 });
      let reopens = 0;
      const cri: CriClient = { ...env.cri, reopenContainerLog: async (id, o) => { await env.cri.reopenContainerLog(id, o); reopens++; } };
      loop = runContainerLogRotation({ cri, maxSizeBytes: parseContainerLogMaxSize('64Ki'), maxFiles: 3, intervalMs: 200, signal: ac.signal });
      const until = Date.now() + 30_000;
      while (reopens < 5) {
        assert.ok(Date.now() < until, `only ${reopens} rotations in 30 s`);
        await sleep(20);
      }
      ac.abort();
      await loop;
      await env.cri.stopContainer(w.ctrId, 0);
      running = false;
      const guard = setTimeout(() => stopFollow.abort(), 10_000);
      await following;
      clearTimeout(guard);
      assert.ok(!stopFollow.signal.aborted, 'follow did not end after the container stopped');
      t.diagnostic(`rotations: ${reopens}, lines followed: ${out.count}`);
      assert.deepEqual(out.errors, []);
      assert.ok(out.count > 5 * 1000, `only ${out.count} lines followed`);
    } finally {
      ac.abort();
      stopFollow.abort();
      await loop?.catch(() => {});
      await w.remove();
    }
  });
});

/** Checks a followed counting writer's output as it comes: lines 1, 2, 3 ... with nothing lost or repeated. */
class CountingWriter extends Writable {
  count = 0;
  errors: string[] = [];
  private carry = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const lines = (this.carry + chunk.toString('utf8')).split('\n');
    this.carry = lines.pop() ?? '';
    for (const l of lines) {
      const n = Number(l.split(' ')[0]);
      if (n !== this.count + 1 && this.errors.length < 5) this.errors.push(`line ${this.count + 1} expected, got ${JSON.stringify(l.slice(0, 80))}`);
      this.count = n;
    }
    done();
  }
}

/** A pod sandbox with one busybox container running command, its CRI log at <logDirectory>/writer/0.log. */
async function startWriter(name: string, command: string) {
  const uid = `uid-${name}-${process.pid}`;
  const logDirectory = join(env.dir, 'pods', `default_${name}_${uid}`);
  mkdirSync(join(logDirectory, 'writer'), { recursive: true });
  const sb: In<PodSandboxConfig> = {
    metadata: { name, uid, namespace: 'default', attempt: 0 },
    hostname: name,
    logDirectory,
    linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const podId = await env.cri.runPodSandbox(sb);
  const remove = async () => {
    await env.cri.stopPodSandbox(podId);
    await env.cri.removePodSandbox(podId);
  };
  try {
    const ctrId = await env.cri.createContainer(podId, {
      metadata: { name: 'writer', attempt: 0 },
      image: { image: BUSYBOX_IMAGE },
      command: ['sh', '-c', command],
      logPath: 'writer/0.log',
    }, sb);
    await env.cri.startContainer(ctrId);
    return { ctrId, logPath: join(logDirectory, 'writer/0.log'), logDir: join(logDirectory, 'writer'), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
