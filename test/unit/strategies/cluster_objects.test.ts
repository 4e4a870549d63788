import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { strategyFor, validateObjectMeta } from '../../../src/apiserver/registry/strategies/index.ts';
import { namespaceStrategy } from '../../../src/apiserver/registry/strategies/namespace.ts';

const now = new Date('2024-05-01T12:00:00Z');
const nodes = strategyFor('', 'nodes');
const namespaces = namespaceStrategy;

function node(extra: any = {}): any {
  return {
    metadata: { name: 'n1', creationTimestamp: '2024-04-30T12:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': 'true' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'n1' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.6.20' },
    },
    ...extra,
  };
}

test('node table: status, roles, version and wide cells', () => {
  assert.deepEqual(nodes.table!.cells(node(), now), [
    'n1', 'Ready', 'control-plane,worker', '24h', 'v1.32.0', '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'containerd://1.6.20',
  ]);
  const cordoned = node({ spec: { unschedulable: true } });
  cordoned.status.conditions[0].status = 'Unknown';
  cordoned.metadata.labels = {};
  const cells = nodes.table!.cells(cordoned, now);
  assert.equal(cells[1], 'NotReady,SchedulingDisabled');
  assert.equal(cells[2], '<none>');
  const fresh = node();
  fresh.status = {};
  assert.deepEqual(nodes.table!.cells(fresh, now).slice(1, 2).concat(nodes.table!.cells(fresh, now).slice(7)), ['Unknown', '<unknown>', '<unknown>', '<unknown>']);
  assert.deepEqual(nodes.fields!(cordoned), { 'spec.unschedulable': 'true' });
  assert.deepEqual(nodes.fields!(node()), { 'spec.unschedulable': 'false' });
});

test('node updates keep status; status updates keep spec; pod CIDR and taints rules', () => {
  const old = node({ spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
  const upd = structuredClone(old);
  upd.status = {};
  upd.spec.unschedulable = true;
  nodes.prepareForUpdate!(upd, old);
  assert.equal(upd.status.nodeInfo.kubeletVersion, 'v1.32.0');
  assert.deepEqual(nodes.validateUpdate!(upd, old), []);
  upd.spec.podCIDRs = ['10.245.0.0/24'];
  upd.spec.podCIDR = '10.245.0.0/24';
  assert.deepEqual(nodes.validateUpdate!(upd, old).map(fieldErrorMessage), ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  const st = structuredClone(old);
  st.spec.unschedulable = true;
  st.status.conditions[0].status = 'False';
  nodes.prepareForStatusUpdate!(st, old);
  assert.equal(st.spec.unschedulable, undefined);
  assert.equal(st.status.conditions[0].status, 'False');
  const tainted = node({ spec: { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'Sometimes' }] } });
  assert.deepEqual(nodes.validate!(tainted).map((e) => `${e.field} ${e.type}`), ['spec.taints[1] FieldValueDuplicate', 'spec.taints[2].effect FieldValueNotSupported']);
});

test('namespace: finalizer, phase and name label on create; DNS-label names', () => {
  const ns: any = { metadata: { name: 'team-a', creationTimestamp: '2024-05-01T11:59:00Z' } };
  namespaces.prepareForCreate!(ns);
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(namespaces.table!.cells(ns, now), ['team-a', 'Active', '60s']);
  assert.deepEqual(namespaces.fields!(ns), { 'status.phase': 'Active' });
  const bad = validateObjectMeta({ metadata: { name: 'a.b' } }, { namespaced: false, resource: 'namespaces' });
  assert.match(fieldErrorMessage(bad[0]), /^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label/);
  assert.deepEqual(validateObjectMeta({ metadata: { name: 'a.b' } }, { namespaced: false, resource: 'nodes' }), []);
});

test('namespace updates keep finalizers and status; status phase follows deletion', () => {
  const old: any = { metadata: { name: 'x' } };
  namespaces.prepareForCreate!(old);
  const upd = structuredClone(old);
  upd.spec.finalizers = [];
  upd.metadata.labels = {};
  namespaces.prepareForUpdate!(upd, old);
  assert.deepEqual(upd.spec.finalizers, ['kubernetes']);
  assert.equal(upd.metadata.labels['kubernetes.io/metadata.name'], 'x');
  const st = structuredClone(old);
  st.status.phase = 'Terminating';
  namespaces.prepareForStatusUpdate!(st, old);
  assert.deepEqual(namespaces.validateStatusUpdate!(st, old).map(fieldErrorMessage), ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty']);
  st.metadata.deletionTimestamp = '2024-05-01T00:00:00Z';
  assert.deepEqual(namespaces.validateStatusUpdate!(st, old), []);
  assert.deepEqual(namespaces.validate!({ metadata: { name: 'x' }, spec: { finalizers: ['custom'] } }).map(fieldErrorMessage), [
    'spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('strategyFor covers every served stored resource and falls back to empty', () => {
  for (const [g, r] of [['', 'pods'], ['', 'nodes'], ['', 'namespaces'], ['', 'services'], ['', 'endpoints'], ['', 'secrets'], ['', 'configmaps'], ['', 'serviceaccounts'], ['', 'events'], ['coordination.k8s.io', 'leases'], ['discovery.k8s.io', 'endpointslices']]) {
    assert.ok(strategyFor(g, r).table, `${g}/${r}`);
  }
  assert.deepEqual(strategyFor('authentication.k8s.io', 'tokenreviews'), {});
});
