import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from '../../../src/apiserver/registry/strategies/common.ts';
import { podTable, summarizePod } from '../../../src/apiserver/registry/strategies/pod_table.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function pod(spec: any, status: any, meta: any = {}): any {
  return { metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(300), ...meta }, spec, status };
}

const two = { containers: [{ name: 'a' }, { name: 'b' }] };

test('humanDuration as upstream', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'], [-1000, '0s'], [-3000, '<invalid>'], [119_000, '119s'], [120_000, '2m'], [200_000, '3m20s'], [600_000, '10m'],
    [3 * 3600_000, '3h'], [3 * 3600_000 + 600_000, '3h10m'], [30 * 3600_000, '30h'], [3 * 86400_000 + 4 * 3600_000, '3d4h'],
    [20 * 86400_000, '20d'], [800 * 86400_000, '2y70d'], [3000 * 86400_000, '8y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

test('running pod: READY counts, STATUS is the phase, wide cells', () => {
  const p = pod(two, {
    phase: 'Running',
    podIPs: [{ ip: '10.0.0.7' }],
    containerStatuses: [
      { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
      { name: 'b', ready: false, restartCount: 0, state: { running: {} } },
    ],
  });
  p.spec.nodeName = 'node-1';
  assert.deepEqual(podTable.cells(p, now), ['web', '1/2', 'Running', '0', '5m', '10.0.0.7', 'node-1', '<none>', '<none>']);
  assert.deepEqual(podTable.columns.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.deepEqual(podTable.columns.map((c) => c.priority ?? 0), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
});

test('pending pod, waiting reasons and CrashLoopBackOff with restart age', () => {
  assert.equal(summarizePod(pod(two, { phase: 'Pending' }), now).status, 'Pending');
  const crash = pod(two, {
    phase: 'Running',
    containerStatuses: [
      { name: 'a', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } },
      { name: 'b', ready: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } },
    ],
  });
  assert.deepEqual(summarizePod(crash, now), { ready: '1/2', status: 'CrashLoopBackOff', restarts: '5 (90s ago)' });
  const pulling = pod(two, { phase: 'Pending', containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }] });
  assert.equal(summarizePod(pulling, now).status, 'ContainerCreating');
});

test('terminated containers: Completed, Error, ExitCode and Signal', () => {
  const one = { containers: [{ name: 'a' }] };
  const term = (t: any, phase = 'Failed') => summarizePod(pod(one, { phase, containerStatuses: [{ name: 'a', state: { terminated: t } }] }), now).status;
  assert.equal(term({ exitCode: 0, reason: 'Completed' }, 'Succeeded'), 'Completed');
  assert.equal(term({ exitCode: 1, reason: 'Error' }), 'Error');
  assert.equal(term({ exitCode: 137, reason: 'OOMKilled' }), 'OOMKilled');
  assert.equal(term({ exitCode: 3 }), 'ExitCode:3');
  assert.equal(term({ exitCode: 0, signal: 9 }), 'Signal:9');
});

test('Completed next to a running container reads Running or NotReady', () => {
  const s = (ready: boolean) =>
    summarizePod(
      pod(two, {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [
          { name: 'a', ready: true, state: { running: {} } },
          { name: 'b', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      }),
      now,
    ).status;
  assert.equal(s(true), 'Running');
  assert.equal(s(false), 'NotReady');
});

test('init containers: Init:N/M, Init:<reason>, Init:ExitCode, and sidecars counted in READY', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] };
  const st = (init: any[]) => summarizePod(pod(spec, { phase: 'Pending', initContainerStatuses: init }), now).status;
  assert.equal(st([{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }]), 'Init:1/2');
  assert.equal(st([{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }]), 'Init:0/2');
  assert.equal(st([{ name: 'i1', state: { waiting: { reason: 'ImagePullBackOff' } } }]), 'Init:ImagePullBackOff');
  assert.equal(st([{ name: 'i1', state: { terminated: { exitCode: 2 } } }]), 'Init:ExitCode:2');
  assert.equal(st([{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }]), 'Init:Error');
  const withSidecar = { initContainers: [{ name: 's', restartPolicy: 'Always' }], containers: [{ name: 'a' }] };
  const s = summarizePod(
    pod(withSidecar, {
      phase: 'Running',
      initContainerStatuses: [{ name: 's', started: true, ready: true, restartCount: 2, state: { running: {} } }],
      containerStatuses: [{ name: 'a', ready: true, state: { running: {} } }],
    }),
    now,
  );
  assert.deepEqual(s, { ready: '2/2', status: 'Running', restarts: '2' });
});

test('Terminating, Unknown for lost nodes, readiness gates and SchedulingGated', () => {
  const deleting = pod({ containers: [{ name: 'a' }] }, { phase: 'Running' }, { deletionTimestamp: ago(1) });
  assert.equal(summarizePod(deleting, now).status, 'Terminating');
  const done = pod({ containers: [{ name: 'a' }] }, { phase: 'Succeeded' }, { deletionTimestamp: ago(1) });
  assert.equal(summarizePod(done, now).status, 'Succeeded');
  const lost = pod({ containers: [{ name: 'a' }] }, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(1) });
  assert.equal(summarizePod(lost, now).status, 'Unknown');
  const evicted = pod({ containers: [{ name: 'a' }] }, { phase: 'Failed', reason: 'Evicted' });
  assert.equal(summarizePod(evicted, now).status, 'Evicted');
  const gated = pod({ containers: [{ name: 'a' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  assert.equal(summarizePod(gated, now).status, 'SchedulingGated');
  const gates = pod({ containers: [{ name: 'a' }], readinessGates: [{ conditionType: 'x/a' }, { conditionType: 'x/b' }] }, { phase: 'Running', conditions: [{ type: 'x/a', status: 'True' }] });
  assert.equal(podTable.cells(gates, now)[8], '1/2');
});
