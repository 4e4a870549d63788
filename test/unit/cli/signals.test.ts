// A component's stop on SIGINT/SIGTERM: orderly, a second signal exits at once, and a process
// still alive after the bound says what is pending and exits non-zero.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { countedList, describeSocket, pendingMessage, stopOnSignal } from '../../../src/cli/signals.ts';

function harness(stop: () => Promise<void>, boundMs = 50) {
  const proc = new EventEmitter();
  const exits: number[] = [];
  const logs: string[] = [];
  const done = stopOnSignal({
    name: 'up', stop, boundMs, proc, exit: (c) => exits.push(c), log: (m) => logs.push(m),
    pending: () => ['containerd'], resources: () => ['Timeout', 'socket to 10.0.0.7:2333', 'Timeout'],
  });
  return { proc, exits, logs, done };
}

test('the first signal stops in order; the bound stays armed (unref\'d) for whatever outlives the stop', async () => {
  let stopped = 0;
  const h = harness(async () => { stopped++; });
  h.proc.emit('SIGTERM', 'SIGTERM');
  await h.done;
  assert.equal(stopped, 1);
  await new Promise((r) => setTimeout(r, 80));
  // The bound's timer is unref'd and still armed: a real process would have exited by now.
  assert.equal(h.exits.length, 1, 'here the fake process lives on, so the bound fires');
  assert.match(h.logs[0]!, /not stopped 0\.05 s after SIGTERM/);
});

test('a stop that hangs: at the bound, what is pending is named and the exit is non-zero', async () => {
  const h = harness(() => new Promise(() => {}));
  h.proc.emit('SIGINT', 'SIGINT');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(h.exits, [1]);
  assert.equal(h.logs[0], 'berth up: not stopped 0.05 s after SIGINT; still stopping: containerd; event loop held by: 2 Timeout, 1 socket to 10.0.0.7:2333; exiting');
});

test('a second signal while stopping exits at once', async () => {
  const h = harness(() => new Promise(() => {}), 10_000);
  h.proc.emit('SIGTERM', 'SIGTERM');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.exits, []);
  h.proc.emit('SIGINT', 'SIGINT');
  assert.deepEqual(h.exits, [1]);
  assert.match(h.logs[0]!, /SIGINT while stopping; exiting/);
});

test('pending messages', () => {
  assert.equal(countedList(['a', 'b', 'a']), '2 a, 1 b');
  assert.equal(pendingMessage([], []), 'stop finished; nothing holds the event loop');
  assert.equal(pendingMessage(['kubelet', 'apiserver'], ['TCPSocketWrap']), 'still stopping: kubelet, apiserver; event loop held by: 1 TCPSocketWrap');
  assert.equal(describeSocket({ remoteAddress: '10.244.0.9', remotePort: 2333, connecting: false }), 'socket to 10.244.0.9:2333');
  assert.equal(describeSocket({ connecting: true }), 'socket (connecting)');
  assert.equal(describeSocket({ connecting: false, localPort: 6443 }), 'socket on port 6443');
});
