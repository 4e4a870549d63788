import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeProfile, type CpuProfile } from '../../../bench/lib/cpuprofile.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9 });
// Samples every 1000 µs from t=0: idle, then work in src, then a dependency, then idle.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('relist', 'file:///repo/src/kubelet/pleg/pleg.ts') },
    { id: 4, callFrame: frame('', 'file:///repo/node_modules/@grpc/grpc-js/build/src/call.js') },
  ],
  startTime: 0,
  endTime: 6000,
  samples: [2, 3, 3, 4, 2, 2],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
};

test('self time per function and per file, idle apart', () => {
  const s = summarizeProfile(profile);
  assert.equal(s.sampled_ms, 5);
  assert.equal(s.busy_ms, 3);
  assert.deepEqual(s.top_functions, [
    { fn: 'relist src/kubelet/pleg/pleg.ts:10', self_ms: 2, pct_of_busy: 66.7 },
    { fn: '(anonymous) node_modules/@grpc/grpc-js/build/src/call.js:10', self_ms: 1, pct_of_busy: 33.3 },
  ]);
  assert.deepEqual(s.top_files.map((f) => f.file), ['src/kubelet/pleg/pleg.ts', 'node_modules/@grpc/grpc-js/build/src/call.js']);
});

test('a window keeps only the samples inside it', () => {
  const s = summarizeProfile(profile, { fromUs: 2000, toUs: 4000 });
  assert.equal(s.busy_ms, 2);
  assert.deepEqual(s.top_functions.map((f) => f.self_ms), [1, 1]);
});
