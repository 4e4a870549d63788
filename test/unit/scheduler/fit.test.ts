import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFit, reasons } from '../../../src/controllers/scheduler/fit.ts';
import { failureMessage } from '../../../src/controllers/scheduler/message.ts';
import { byNode, node, pod } from './helpers.ts';

test('each node fails on the first filter that rejects it, in upstream order', () => {
  const nodes = [
    node('a-cordoned', { unschedulable: true, taints: [{ key: 'x', effect: 'NoSchedule' }] }),
    node('b-tainted', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], labels: { zone: 'z' } }),
    node('c-elsewhere', { labels: { zone: 'other' }, cpu: '100m' }),
    node('d-full', { labels: { zone: 'z' }, cpu: '1', pods: '1' }),
  ];
  const fit = findFit(pod('p', { cpu: '500m', spec: { nodeSelector: { zone: 'z' } } }), nodes, byNode([pod('q', { nodeName: 'd-full', cpu: '800m' })]));
  assert.equal(fit.node, undefined);
  assert.deepEqual(Object.fromEntries(fit.reasons), {
    'a-cordoned': [reasons.unschedulable],
    'b-tainted': ['node(s) had untolerated taint {dedicated: gpu}'],
    'c-elsewhere': [reasons.nodeAffinity],
    'd-full': ['Too many pods', 'Insufficient cpu'],
  });
  assert.deepEqual([...fit.unresolvable].sort(), ['a-cordoned', 'b-tainted', 'c-elsewhere']);
});

test('resources: cpu, memory, ephemeral-storage and extended resources against allocatable minus what is bound', () => {
  const n = node('n', { cpu: '1', memory: '1Gi', extra: { 'example.com/gpu': '1' } });
  const bound = [pod('q', { nodeName: 'n', cpu: '600m', memory: '512Mi' })];
  const big = pod('p', {
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '600Mi', 'ephemeral-storage': '20Gi', 'example.com/gpu': '2' } } }] },
  });
  assert.deepEqual(findFit(big, [n], byNode(bound)).reasons.get('n'), ['Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage', 'Insufficient example.com/gpu']);
  assert.equal(findFit(pod('p', { cpu: '400m', memory: '512Mi' }), [n], byNode(bound)).node, 'n', 'exactly the remainder fits');
});

test('finished pods free their resources, terminating ones do not', () => {
  const n = node('n', { cpu: '1' });
  const done = pod('q', { nodeName: 'n', cpu: '1', phase: 'Succeeded' });
  assert.equal(findFit(pod('p', { cpu: '1' }), [n], byNode([done])).node, 'n');
  const terminating = pod('q', { nodeName: 'n', cpu: '1', phase: 'Running' });
  terminating.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
  assert.deepEqual(findFit(pod('p', { cpu: '1' }), [n], byNode([terminating])).reasons.get('n'), ['Insufficient cpu']);
});

test('requests larger than the whole node are unresolvable; a full node is not', () => {
  const fit = findFit(pod('p', { cpu: '2' }), [node('small', { cpu: '1' }), node('busy', { cpu: '4' })], byNode([pod('q', { nodeName: 'busy', cpu: '3' })]));
  assert.deepEqual([...fit.unresolvable], ['small']);
  assert.equal(
    failureMessage(pod('p'), fit, 2),
    '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
  );
});

test('host port conflicts reject a node', () => {
  const ports = { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] };
  const fit = findFit(pod('p', { spec: ports }), [node('n')], byNode([pod('q', { nodeName: 'n', spec: ports })]));
  assert.deepEqual(fit.reasons.get('n'), [reasons.ports]);
});

test('tolerating the taint and cordon lets a pod onto such nodes', () => {
  const tolerations = [{ operator: 'Exists' as const }];
  const fit = findFit(pod('p', { spec: { tolerations } }), [node('n', { unschedulable: true, taints: [{ key: 'k', effect: 'NoExecute' }] })], new Map());
  assert.equal(fit.node, 'n');
});

test('least requested: the emptier node wins; ties go to the first by name', () => {
  const nodes = [node('b'), node('a'), node('c')];
  const bound = [pod('x', { nodeName: 'a', cpu: '2', memory: '4Gi' }), pod('y', { nodeName: 'b', cpu: '1', memory: '1Gi' })];
  const fit = findFit(pod('p', { cpu: '1', memory: '1Gi' }), nodes, byNode(bound));
  assert.equal(fit.node, 'c');
  // c: cpu (4000-1000)/4000 = 75, memory (8-1)/8 = 87 -> 81
  assert.equal(fit.scores.get('c'), 81);
  assert.ok(fit.scores.get('b')! > fit.scores.get('a')!);
  assert.equal(findFit(pod('p'), [node('y'), node('x')], new Map()).node, 'x');
});

test('least requested counts pods without requests at the non-zero defaults', () => {
  const nodes = [node('a', { cpu: '1', memory: '1Gi' }), node('b', { cpu: '1', memory: '1Gi' })];
  // a already holds a pod with no requests: 100m / 200Mi count against it for scoring only.
  const fit = findFit(pod('p'), nodes, byNode([pod('q', { nodeName: 'a' })]));
  assert.equal(fit.node, 'b');
  assert.ok(fit.scores.get('a')! < fit.scores.get('b')!);
});

test('failure message: histogram of reasons sorted as strings, then the preemption verdict', () => {
  const nodes = [node('a', { cpu: '4' }), node('b', { labels: {} }), node('c')];
  const p = pod('p', { cpu: '3', spec: { nodeSelector: { role: 'db' } } });
  nodes[0].metadata.labels!.role = 'db';
  const fit = findFit(p, nodes, byNode([pod('q', { nodeName: 'a', cpu: '2' })]));
  assert.equal(
    failureMessage(p, fit, 3),
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
  );
});

test('failure message: taints, all unresolvable', () => {
  const nodes = [node('a', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }), node('b', { ready: 'Unknown' })];
  const fit = findFit(pod('p'), nodes, new Map());
  assert.equal(
    failureMessage(pod('p'), fit, 2),
    '0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  );
});

test('failure message: cordoned nodes, too many pods, preemptionPolicy Never, no nodes', () => {
  const fit = findFit(pod('p'), [node('a', { unschedulable: true }), node('b', { pods: '0' })], new Map());
  assert.equal(
    failureMessage(pod('p'), fit, 2),
    '0/2 nodes are available: 1 Too many pods, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
  );
  const never = pod('p', { spec: { preemptionPolicy: 'Never' } });
  assert.equal(failureMessage(never, fit, 2), '0/2 nodes are available: 1 Too many pods, 1 node(s) were unschedulable. preemption: not eligible due to preemptionPolicy=Never.');
  assert.equal(failureMessage(pod('p'), findFit(pod('p'), [], new Map()), 0), 'no nodes available to schedule pods');
});
