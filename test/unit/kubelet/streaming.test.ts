// The kubelet's streaming: its paths, the bridge between the client's session and the runtime's,
// and how it finds the container to stream from (with upstream's errors).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/core/index.ts';
import type { SessionHandlers, StreamSession } from '../../../src/api/remotecommand/types.ts';
import { newStreamingHost } from '../../../src/kubelet/kuberuntime/streaming.ts';
import type { Container, PodSandbox } from '../../../src/kubelet/runtime/cri/types.ts';
import { bridge, parseStreamingPath } from '../../../src/kubelet/server/streaming.ts';

/** A session that records what is written to it and lets the test play the peer. */
function fakeSession(canCloseStream: boolean, protocol = canCloseStream ? 'v5.channel.k8s.io' : 'v4.channel.k8s.io') {
  let h: SessionHandlers | undefined;
  const written: Array<[number, string]> = [];
  const closedStreams: number[] = [];
  let closed = 0;
  const flow = { behind: false, paused: false, drainWaiters: [] as Array<() => void> };
  const session: StreamSession = {
    protocol,
    canCloseStream,
    listen: (handlers) => (h = handlers),
    write: (c, d) => (written.push([c, Buffer.from(d).toString()]), !flow.behind),
    onDrained: (cb) => (flow.behind ? flow.drainWaiters.push(cb) : cb()),
    pause: () => (flow.paused = true),
    resume: () => (flow.paused = false),
    closeStream: (c) => closedStreams.push(c),
    close: () => closed++,
  };
  const drain = () => {
    flow.behind = false;
    for (const cb of flow.drainWaiters.splice(0)) cb();
  };
  return { session, written, closedStreams, flow, drain, closes: () => closed, peer: () => h! };
}

describe('kubelet streaming paths', () => {
  it('reads /exec, /attach and /run with or without the pod UID', () => {
    assert.deepEqual(parseStreamingPath('/exec/default/web/main'), { kind: 'exec', ref: { namespace: 'default', pod: 'web', container: 'main' } });
    assert.deepEqual(parseStreamingPath('/attach/ns/web/uid-1/main'), { kind: 'attach', ref: { namespace: 'ns', pod: 'web', podUID: 'uid-1', container: 'main' } });
    assert.equal(parseStreamingPath('/run/default/web/main')?.kind, 'run');
    assert.equal(parseStreamingPath('/exec/default/web'), undefined);
    assert.equal(parseStreamingPath('/exec/default//main'), undefined);
    assert.equal(parseStreamingPath('/portForward/default/web'), undefined);
  });
});

describe('bridge', () => {
  it('sends stdin and resize to the runtime, and stdout, stderr and the error stream to the client (empty frames dropped)', () => {
    const client = fakeSession(true);
    const runtime = fakeSession(false);
    bridge(client.session, runtime.session);
    client.peer().data(0, Buffer.from('in'));
    client.peer().data(4, Buffer.from('{"Width":80,"Height":24}'));
    client.peer().data(1, Buffer.from('a client may not write stdout'));
    runtime.peer().data(1, Buffer.alloc(0));
    runtime.peer().data(1, Buffer.from('out'));
    runtime.peer().data(2, Buffer.from('err'));
    runtime.peer().data(0, Buffer.from('a runtime may not write stdin'));
    runtime.peer().data(3, Buffer.from('{"metadata":{},"status":"Success"}'));
    assert.deepEqual(runtime.written, [[0, 'in'], [4, '{"Width":80,"Height":24}']]);
    assert.deepEqual(client.written, [[1, 'out'], [2, 'err'], [3, '{"metadata":{},"status":"Success"}']]);
  });

  it('pauses the runtime while the client is behind, and resumes it once the client has drained', () => {
    const client = fakeSession(true);
    const runtime = fakeSession(false);
    bridge(client.session, runtime.session);
    runtime.peer().data(1, Buffer.from('a'));
    assert.equal(runtime.flow.paused, false);
    client.flow.behind = true;
    runtime.peer().data(1, Buffer.from('b'));
    assert.equal(runtime.flow.paused, true);
    client.drain();
    assert.equal(runtime.flow.paused, false);
    assert.deepEqual(client.written, [[1, 'a'], [1, 'b']]);
  });

  it('gives a pre-v4 client (channel.k8s.io) the error channel as text once it ends, and nothing on success', () => {
    for (const [status, expected] of [
      ['{"metadata":{},"status":"Success"}', []],
      ['{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit code 2","reason":"NonZeroExitCode"}', [[3, 'command terminated with non-zero exit code: exit code 2']]],
    ] as const) {
      const client = fakeSession(false, 'channel.k8s.io');
      const runtime = fakeSession(false);
      bridge(client.session, runtime.session);
      runtime.peer().data(3, Buffer.from(status.slice(0, 10)));
      runtime.peer().data(3, Buffer.from(status.slice(10)));
      assert.deepEqual(client.written, [], 'nothing before the channel ends');
      runtime.peer().streamClosed(3);
      runtime.peer().closed();
      assert.deepEqual(client.written, expected);
    }
  });

  it('passes stdin\'s CLOSE on, and ends each side when the other ends', () => {
    const client = fakeSession(true);
    const runtime = fakeSession(true);
    bridge(client.session, runtime.session);
    client.peer().streamClosed(0);
    assert.deepEqual(runtime.closedStreams, [0]);
    runtime.peer().closed();
    assert.equal(client.closes(), 1);
    client.peer().closed();
    assert.equal(runtime.closes(), 1);
  });
});

describe('streaming host', () => {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } };
  const container = (id: string, createdAt: number) => ({ id, createdAt }) as Container;

  function host(running: Container[], sandboxes: PodSandbox[] = []) {
    const calls: unknown[] = [];
    const h = newStreamingHost({
      pods: { byFullName: (ns, name) => (ns === 'default' && name === 'web' ? pod : undefined), get: (uid) => (uid === 'u1' ? pod : undefined) },
      cri: {
        listContainers: async (filter) => (calls.push(filter), running),
        exec: async (req) => (calls.push(req), 'http://127.0.0.1:1/exec/token'),
        attach: async () => 'http://127.0.0.1:1/attach/token',
        execSync: async (_id, cmd) => ({ stdout: Buffer.from(`${cmd.join(' ')}\n`), stderr: Buffer.from(cmd[0] === 'false' ? 'failed' : ''), exitCode: cmd[0] === 'false' ? 1 : 0 }),
        listPodSandbox: async (filter) => (calls.push(filter), sandboxes),
        portForward: async (id, ports) => (calls.push({ id, ports }), 'http://127.0.0.1:1/portforward/token'),
      },
    });
    return { h, calls };
  }
  const opts = { stdin: false, stdout: true, stderr: true, tty: false };

  it('asks the CRI to exec in the newest running container of that name', async () => {
    const { h, calls } = host([container('old', 1), container('new', 2)]);
    assert.equal(await h.getExec({ namespace: 'default', pod: 'web', container: 'main' }, ['ls'], opts), 'http://127.0.0.1:1/exec/token');
    assert.deepEqual(calls[0], { state: { state: 'CONTAINER_RUNNING' }, labelSelector: { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'main' } });
    assert.deepEqual(calls[1], { containerId: 'new', cmd: ['ls'], tty: false, stdin: false, stdout: true, stderr: true });
  });

  it('answers as upstream: 404 for an unknown pod (or UID), 500 for a container that is not running', async () => {
    const { h } = host([]);
    await assert.rejects(h.getAttach({ namespace: 'default', pod: 'nope', container: 'main' }, opts), { code: 404, message: 'pod does not exist' });
    await assert.rejects(h.getAttach({ namespace: 'default', pod: 'web', podUID: 'other', container: 'main' }, opts), { code: 404 });
    await assert.rejects(h.getAttach({ namespace: 'default', pod: 'web', container: 'main' }, opts), { code: 500, message: 'container not found ("main")' });
  });

  it('port-forwards through the newest ready sandbox of the pod, or answers 500 without one', async () => {
    const { h, calls } = host([], [{ id: 'old', createdAt: 1 } as PodSandbox, { id: 'new', createdAt: 2 } as PodSandbox]);
    assert.deepEqual(await h.getPortForward({ namespace: 'default', pod: 'web' }), { url: 'http://127.0.0.1:1/portforward/token', podUID: 'u1' });
    assert.equal(h.hasPod('u1'), true);
    assert.equal(h.hasPod('u2'), false);
    assert.deepEqual(calls, [{ state: { state: 'SANDBOX_READY' }, labelSelector: { 'io.kubernetes.pod.uid': 'u1' } }, { id: 'new', ports: [] }]);
    await assert.rejects(host([]).h.getPortForward({ namespace: 'default', pod: 'web' }), { code: 500 });
    await assert.rejects(host([]).h.getPortForward({ namespace: 'default', pod: 'nope' }), { code: 404 });
  });

  it('runs a command once: its output, or a 500 naming the exit code', async () => {
    const { h } = host([container('c', 1)]);
    const ref = { namespace: 'default', pod: 'web', container: 'main' };
    assert.equal((await h.runInContainer(ref, ['echo', 'hi'])).toString(), 'echo hi\n');
    await assert.rejects(h.runInContainer(ref, ['false']), { code: 500, message: "command 'false' exited with 1: failed" });
  });
});
