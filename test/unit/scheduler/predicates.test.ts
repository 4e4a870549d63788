import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorRequirement, Taint } from '../../../src/api/core/index.ts';
import { hasPortConflict, hostPorts, matchesNodeAffinity, matchesRequirement, tolerates, untoleratedTaint } from '../../../src/controllers/scheduler/predicates.ts';
import { node, pod } from './helpers.ts';

test('tolerations: Equal needs key and value, Exists only the key, empty key with Exists tolerates all', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  assert.equal(tolerates({ key: 'dedicated', operator: 'Equal', value: 'gpu' }, taint), true);
  assert.equal(tolerates({ key: 'dedicated', value: 'gpu' }, taint), true, 'Equal is the default operator');
  assert.equal(tolerates({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, taint), false);
  assert.equal(tolerates({ key: 'dedicated', operator: 'Exists' }, taint), true);
  assert.equal(tolerates({ key: 'other', operator: 'Exists' }, taint), false);
  assert.equal(tolerates({ operator: 'Exists' }, taint), true);
  assert.equal(tolerates({ operator: 'Exists', effect: 'NoExecute' }, taint), false, 'effect must match when given');
  assert.equal(tolerates({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, taint), true);
});

test('untolerated taints: only NoSchedule and NoExecute count', () => {
  const n = node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'hard', value: 'v', effect: 'NoExecute' }] });
  assert.deepEqual(untoleratedTaint(pod('p'), n), { key: 'hard', value: 'v', effect: 'NoExecute' });
  assert.equal(untoleratedTaint(pod('p', { spec: { tolerations: [{ key: 'hard', operator: 'Exists' }] } }), n), undefined);
});

test('a node that is not Ready repels pods unless they tolerate its not-ready/unreachable taint', () => {
  assert.equal(untoleratedTaint(pod('p'), node('n', { ready: 'False' }))?.key, 'node.kubernetes.io/not-ready');
  assert.equal(untoleratedTaint(pod('p'), node('n', { ready: 'Unknown' }))?.key, 'node.kubernetes.io/unreachable');
  const tolerant = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.equal(untoleratedTaint(tolerant, node('n', { ready: 'False' })), undefined);
});

test('affinity operators', () => {
  const r = (operator: NodeSelectorRequirement['operator'], values?: string[]): NodeSelectorRequirement => ({ key: 'k', operator, values });
  assert.equal(matchesRequirement(r('In', ['a', 'b']), 'a'), true);
  assert.equal(matchesRequirement(r('In', ['a']), undefined), false);
  assert.equal(matchesRequirement(r('NotIn', ['a']), 'b'), true);
  assert.equal(matchesRequirement(r('NotIn', ['a']), undefined), true);
  assert.equal(matchesRequirement(r('NotIn', ['a']), 'a'), false);
  assert.equal(matchesRequirement(r('Exists'), ''), true);
  assert.equal(matchesRequirement(r('Exists'), undefined), false);
  assert.equal(matchesRequirement(r('DoesNotExist'), undefined), true);
  assert.equal(matchesRequirement(r('DoesNotExist'), 'x'), false);
  assert.equal(matchesRequirement(r('Gt', ['5']), '6'), true);
  assert.equal(matchesRequirement(r('Gt', ['5']), '5'), false);
  assert.equal(matchesRequirement(r('Lt', ['5']), '-1'), true);
  assert.equal(matchesRequirement(r('Lt', ['5']), 'abc'), false, 'non-integers never match');
  assert.equal(matchesRequirement(r('Gt', ['5', '6']), '9'), false, 'Gt needs exactly one value');
});

test('nodeSelector and required node affinity (terms ORed, expressions ANDed, matchFields on metadata.name)', () => {
  const n = node('worker-1', { labels: { zone: 'a', disk: 'ssd' } });
  assert.equal(matchesNodeAffinity(pod('p', { spec: { nodeSelector: { zone: 'a' } } }), n), true);
  assert.equal(matchesNodeAffinity(pod('p', { spec: { nodeSelector: { zone: 'b' } } }), n), false);
  const affinity = (terms: any[]) => pod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
  const zoneB = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] };
  const ssdInA = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['ssd'] }] };
  const ssdInB = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }, { key: 'disk', operator: 'In', values: ['ssd'] }] };
  assert.equal(matchesNodeAffinity(affinity([zoneB]), n), false);
  assert.equal(matchesNodeAffinity(affinity([zoneB, ssdInA]), n), true);
  assert.equal(matchesNodeAffinity(affinity([ssdInB]), n), false);
  assert.equal(matchesNodeAffinity(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['worker-1'] }] }]), n), true);
  assert.equal(matchesNodeAffinity(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['worker-1'] }] }]), n), false);
  assert.equal(matchesNodeAffinity(affinity([{}]), n), false, 'an empty term matches nothing');
  assert.equal(matchesNodeAffinity(affinity([]), n), false);
});

test('host ports conflict on the same protocol and port when either address is a wildcard or both equal', () => {
  const withPorts = (ports: any[]) => pod('p', { spec: { containers: [{ name: 'c', image: 'x', ports }] } });
  const used = hostPorts(withPorts([{ containerPort: 80, hostPort: 8080 }]));
  assert.deepEqual(used, [{ hostIP: '0.0.0.0', protocol: 'TCP', port: 8080 }]);
  assert.equal(hasPortConflict(hostPorts(withPorts([{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }])), used), true);
  assert.equal(hasPortConflict(hostPorts(withPorts([{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }])), used), false);
  assert.equal(hasPortConflict(hostPorts(withPorts([{ containerPort: 80, hostPort: 8081 }])), used), false);
  const specific = hostPorts(withPorts([{ containerPort: 80, hostPort: 9090, hostIP: '10.0.0.1' }]));
  assert.equal(hasPortConflict(hostPorts(withPorts([{ containerPort: 80, hostPort: 9090, hostIP: '10.0.0.2' }])), specific), false);
  assert.equal(hasPortConflict(hostPorts(withPorts([{ containerPort: 80 }])), used), false, 'no hostPort, no conflict');
});
