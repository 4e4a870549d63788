import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atTeardown, classifyChildren } from '../../../bench/lib/teardown.ts';

test('a registered teardown runs once, whoever calls it first', async () => {
  let runs = 0;
  const stop = atTeardown('x', async () => { runs++; await new Promise((r) => setTimeout(r, 10)); });
  await Promise.all([stop(), stop()]);
  await stop();
  assert.equal(runs, 1);
});

test('the sweep finds this process\'s containerd children by their config, and the other children', () => {
  const procs = [
    { pid: 10, ppid: 1, state: 'S', argv: ['/usr/bin/containerd', '--config', '/tmp/other/config.toml'] },
    { pid: 11, ppid: 7, state: 'S', argv: ['/usr/bin/containerd', '--config', '/tmp/berth-ctrd-x/config.toml'] },
    { pid: 12, ppid: 7, state: 'S', argv: ['/usr/bin/node', 'bin/berth.js', 'kubelet', '--root-dir', '/tmp/c/n'] },
    { pid: 13, ppid: 7, state: 'Z', argv: [] },
    { pid: 14, ppid: 11, state: 'S', argv: ['/usr/bin/containerd-shim-runc-v2'] },
  ];
  const { containerds, others } = classifyChildren(procs, 7);
  assert.deepEqual(containerds, [{ pid: 11, dir: '/tmp/berth-ctrd-x' }]);
  assert.deepEqual(others.map((p) => p.pid), [12]);
});
