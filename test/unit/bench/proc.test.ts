import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownContainerd, parseRssKib, parseStatParent, parseStatTicks } from '../../../bench/lib/proc.ts';

// A /proc/<pid>/stat line whose command name holds a space and a parenthesis.
const stat = '4242 (node (main) x) S 17 4242 4242 0 -1 4194560 1000 0 0 0 150 40 7 3 20 0 11 0 500 1000000 20000';

test('CPU ticks and parent from /proc/<pid>/stat, whatever the command name holds', () => {
  assert.deepEqual(parseStatTicks(stat), { self: 190, children: 10 });
  assert.deepEqual(parseStatParent(stat), { state: 'S', ppid: 17 });
});

test('VmRSS from /proc/<pid>/status; a status without it is an error', () => {
  assert.equal(parseRssKib('Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\n'), 123456);
  assert.throws(() => parseRssKib('Name:\tnode\n'), /no VmRSS/);
});

test('only the containerd a benchmark started and the shims of its socket are counted', () => {
  const group = ownContainerd({ pid: 100, address: '/tmp/berth-ctrd-a/containerd.sock' });
  assert.equal(group(100, ['/usr/bin/containerd', '--config', '/tmp/berth-ctrd-a/config.toml']), 'containerd');
  assert.equal(group(101, ['/usr/bin/containerd']), undefined, 'another containerd on the machine');
  const shim = (address: string) => ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', 'abc', '-address', address];
  assert.equal(group(200, shim('/tmp/berth-ctrd-a/containerd.sock')), 'shims');
  assert.equal(group(201, shim('/run/containerd/containerd.sock')), undefined, 'a shim of another containerd');
  assert.equal(group(202, ['/bin/sleep', '-address', '/tmp/berth-ctrd-a/containerd.sock']), undefined);
});
