// Our SPDY/3.1 client against a real Go SPDY server: containerd's CRI streaming server (the
// kubelet's remotecommand and portforward packages over moby/spdystream). Exec with separate
// stdout/stderr and a non-zero exit, stdin closed by half-close, a TTY with a resize, and a
// port-forward to a port a container listens on. Needs root, containerd, runc and CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { eventually } from '../support/kubectl.ts';
import { BUSYBOX_IMAGE, startTestContainerd, type TestContainerd } from '../support/containerd.ts';
import type { CriClient, In, PodSandboxConfig } from '../../src/kubelet/runtime/cri/client.ts';
import { dialRemoteCommand } from '../../src/api/remotecommand/spdy.ts';
import { dialSpdyChannels } from '../../src/api/remotecommand/spdy_channels.ts';
import { acceptPortForward, dialPortForward, relayPortForward } from '../../src/api/remotecommand/spdy_portforward.ts';
import { exitCodeOf, StreamProtocolV4 } from '../../src/api/remotecommand/exitstatus.ts';

let env: TestContainerd;
let cri: CriClient;
let podId: string;
let ctrId: string;
let catId: string;

function collect(r: Readable | undefined): { text: () => string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  r?.on('data', (c: Buffer) => chunks.push(c));
  const ended = r ? new Promise<void>((resolve) => r.once('end', () => resolve())) : Promise.resolve();
  return { text: () => Buffer.concat(chunks).toString(), ended };
}


describe('SPDY remotecommand and port-forward against containerd\'s streaming server', { timeout: 180_000 }, () => {
  before(async () => {
    env = await startTestContainerd();
    cri = env.cri;
    const name = 'spdy';
    const uid = `uid-spdy-${process.pid}`;
    const logDirectory = join(env.dir, 'pods', `default_${name}_${uid}`);
    mkdirSync(join(logDirectory, 'main'), { recursive: true });
    mkdirSync(join(logDirectory, 'cat'), { recursive: true });
    const sandbox: In<PodSandboxConfig> = {
      metadata: { name, uid, namespace: 'default', attempt: 0 },
      hostname: name,
      logDirectory,
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    podId = await cri.runPodSandbox(sandbox);
    ctrId = await cri.createContainer(podId, {
      metadata: { name: 'main', attempt: 0 },
      image: { image: BUSYBOX_IMAGE },
      // An echo server on 8080 for port-forward; the container itself is the exec target.
      command: ['nc', '-ll', '-p', '8080', '-e', 'cat'],
      logPath: 'main/0.log',
    }, sandbox);
    await cri.startContainer(ctrId);
    // A main process reading its stdin, for attach.
    catId = await cri.createContainer(podId, {
      metadata: { name: 'cat', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['cat'], stdin: true, logPath: 'cat/0.log',
    }, sandbox);
    await cri.startContainer(catId);
  });
  after(async () => {
    if (podId) {
      await cri.stopPodSandbox(podId).catch(() => {});
      await cri.removePodSandbox(podId).catch(() => {});
    }
    await env?.stop();
  });

  test('the streaming server is containerd\'s default, on loopback with an ephemeral port', async () => {
    const url = new URL(await cri.exec({ containerId: ctrId, cmd: ['true'], stdout: true }));
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(Number(url.port) > 0);
    assert.match(url.pathname, /^\/exec\/[\w-]+$/);
  });

  test('exec: stdout and stderr apart, and a non-zero exit as NonZeroExitCode with an ExitCode cause', async () => {
    const url = await cri.exec({ containerId: ctrId, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true });
    const rc = await dialRemoteCommand(url, { stdin: false, stdout: true, stderr: true, tty: false });
    assert.equal(rc.protocol, StreamProtocolV4);
    const out = collect(rc.stdout);
    const err = collect(rc.stderr);
    const status = await rc.status;
    await Promise.all([out.ended, err.ended]);
    assert.equal(out.text(), 'out\n');
    assert.equal(err.text(), 'err\n');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(exitCodeOf(status), 3);
    rc.close();
  });

  test('exec: cat echoes stdin and exits 0 once stdin is half-closed', async () => {
    const url = await cri.exec({ containerId: ctrId, cmd: ['cat'], stdin: true, stdout: true, stderr: true });
    const rc = await dialRemoteCommand(url, { stdin: true, stdout: true, stderr: true, tty: false });
    const out = collect(rc.stdout);
    const payload = `${'spdy stdin '.repeat(20_000)}\n`; // > 200 KiB: past any 64 KiB window
    rc.stdin!.write(payload.slice(0, 1000));
    await eventually(() => out.text().length >= 1000, 15_000, 'the first echo');
    rc.stdin!.end(payload.slice(1000));
    const status = await rc.status;
    await out.ended;
    assert.equal(out.text(), payload);
    assert.deepEqual(status, { metadata: {}, status: 'Success' });
    rc.close();
  });

  test('exec through the channel view (a kubelet bridge\'s backend): stdin closed by channel, the Status on channel 3, then closed()', async () => {
    const url = await cri.exec({ containerId: ctrId, cmd: ['cat'], stdin: true, stdout: true, stderr: true });
    const s = await dialSpdyChannels(url, { stdin: true, stdout: true, stderr: true, tty: false });
    const got = new Map<number, string>();
    const closed = new Promise<void>((resolve) => s.listen({
      data: (channel, data) => got.set(channel, (got.get(channel) ?? '') + data.toString()),
      streamClosed: () => {},
      closed: resolve,
    }));
    s.write(0, Buffer.from('bridged\n'));
    s.closeStream(0);
    await closed;
    assert.equal(got.get(1), 'bridged\n');
    assert.deepEqual(JSON.parse(got.get(3) ?? 'null'), { metadata: {}, status: 'Success' });
  });

  test('exec with a TTY: a resize reaches the terminal', async () => {
    const script = 'while read x; do [ "$x" = q ] && exit 0; stty size; done';
    const url = await cri.exec({ containerId: ctrId, cmd: ['sh', '-c', script], tty: true, stdin: true, stdout: true });
    const rc = await dialRemoteCommand(url, { stdin: true, stdout: true, stderr: false, tty: true });
    assert.equal(rc.stderr, undefined, 'a TTY has no separate stderr');
    const out = collect(rc.stdout);
    rc.resize({ Width: 123, Height: 45 });
    // The resize and stdin are separate streams: ask until the new size shows.
    await eventually(() => {
      if (out.text().includes('45 123')) return true;
      rc.stdin!.write('size?\n');
      return false;
    }, 15_000, 'stty to report 45 rows, 123 columns');
    rc.stdin!.write('q\n');
    const status = await rc.status;
    assert.equal(status.status, 'Success', JSON.stringify(status));
    rc.close();
  });

  test('attach: stdin reaches the container\'s main process and its output comes back', async () => {
    const url = await cri.attach({ containerId: catId, stdin: true, stdout: true, stderr: true });
    assert.match(new URL(url).pathname, /^\/attach\//);
    const rc = await dialRemoteCommand(url, { stdin: true, stdout: true, stderr: true, tty: false });
    const out = collect(rc.stdout);
    rc.stdin!.write('attached over spdy\n');
    await eventually(() => out.text() === 'attached over spdy\n', 15_000, 'the echo through attach');
    rc.close();
  });

  test('port-forward: bytes reach the container\'s port 8080 and come back', async () => {
    const url = await cri.portForward(podId, [8080]);
    const pf = await dialPortForward(url);
    // nc starts with the container: retry the connection until something answers.
    const conn = await waitForEcho(pf, 'ping over spdy\n');
    conn.data.end();
    assert.equal(await conn.error, '');
    const second = await pf.forward(8080);
    const big = Buffer.alloc(150 * 1024, 'x');
    const got = collect(second.data);
    second.data.write(big);
    await eventually(() => got.text().length >= big.length, 15_000, '150 KiB echoed');
    assert.equal(got.text(), big.toString());
    second.data.end();
    await pf.close();
  });
  test('port-forward relayed as a kubelet does: our server end in front, containerd behind', async () => {
    const runtime = await dialPortForward(await cri.portForward(podId, [8080]));
    const front = http.createServer();
    front.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      acceptPortForward(req, socket, head, relayPortForward(runtime));
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    try {
      const pf = await dialPortForward(`http://127.0.0.1:${(front.address() as AddressInfo).port}/portforward`);
      const conn = await waitForEcho(pf, 'relayed\n');
      conn.data.end();
      await pf.close();
    } finally {
      front.close();
      await runtime.close();
    }
  });
});

async function waitForEcho(pf: Awaited<ReturnType<typeof dialPortForward>>, message: string) {
  const until = Date.now() + 15_000;
  for (;;) {
    const conn = await pf.forward(8080);
    const got = collect(conn.data);
    conn.data.write(message);
    const answered = await Promise.race([
      eventually(() => got.text() === message, 2_000, 'the echo').then(() => true, () => false),
      got.ended.then(() => got.text() === message),
    ]);
    if (answered) return conn;
    conn.data.destroy();
    if (Date.now() > until) throw new Error(`no echo from port 8080: ${await conn.error}`);
  }
}
