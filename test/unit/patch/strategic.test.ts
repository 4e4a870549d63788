import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../../src/api/patch/strategic.ts';
import { isStatusError } from '../../../src/api/errors.ts';

function pod(): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' }, finalizers: ['a.example.com/x', 'b.example.com/y'] },
    spec: {
      containers: [
        { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] },
        { name: 'sidecar', image: 'side:1' },
      ],
      volumes: [
        { name: 'data', hostPath: { path: '/data' } },
        { name: 'cache', emptyDir: {} },
      ],
      tolerations: [{ key: 'k1', operator: 'Exists' }],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'False' },
        { type: 'ContainersReady', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
}

test('patches one container image by name, keeping the other container and its fields', () => {
  const original = pod();
  const out: any = applyStrategicMergePatch(original, { spec: { containers: [{ name: 'sidecar', image: 'side:2' }] } }, 'V1Pod');
  assert.deepEqual(out.spec.containers.map((c: any) => [c.name, c.image]), [['app', 'app:1'], ['sidecar', 'side:2']]);
  assert.equal(out.spec.containers[0].env.length, 2);
  assert.equal(original.spec.containers[1].image, 'side:1', 'the original is not mutated');
});

test('adds, changes and removes env entries by name', () => {
  const patch = { spec: { containers: [{ name: 'app', env: [{ name: 'C', value: '3' }, { name: 'A', value: 'one' }, { name: 'B', $patch: 'delete' }] }] } };
  const out: any = applyStrategicMergePatch(pod(), patch, 'V1Pod');
  assert.deepEqual(out.spec.containers[0].env, [{ name: 'A', value: 'one' }, { name: 'C', value: '3' }]);
});

test('$patch: delete removes a list element by its merge key', () => {
  const out: any = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } }, 'V1Pod');
  assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['app']);
});

test('ports merge by containerPort', () => {
  const patch = { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } };
  const out: any = applyStrategicMergePatch(pod(), patch, 'V1Pod');
  assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
});

test('lists without a merge strategy replace (tolerations)', () => {
  const out: any = applyStrategicMergePatch(pod(), { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } }, 'V1Pod');
  assert.deepEqual(out.spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
});

test('$setElementOrder/conditions with one changed condition keeps the others, in the given order', () => {
  const patch = {
    status: {
      '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'ContainersReady' }, { type: 'PodScheduled' }],
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    },
  };
  const out: any = applyStrategicMergePatch(pod(), patch, 'V1Pod');
  assert.deepEqual(out.status.conditions, [
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' },
    { type: 'ContainersReady', status: 'False' },
    { type: 'PodScheduled', status: 'True' },
  ]);
  assert.equal(out.status.phase, 'Running');
  assert.ok(!Object.keys(out.status).some((k) => k.startsWith('$')), 'directives are not stored');
});

test('$setElementOrder reorders, places a new element, and keeps server-only elements in place', () => {
  const patch = {
    status: {
      '$setElementOrder/conditions': [{ type: 'PodScheduled' }, { type: 'Initialized' }, { type: 'DisruptionTarget' }],
      conditions: [{ type: 'DisruptionTarget', status: 'True' }],
    },
  };
  const out: any = applyStrategicMergePatch(pod(), patch, 'V1Pod');
  // Ready and ContainersReady are unknown to the order list: they keep their server positions.
  assert.deepEqual(out.status.conditions.map((c: any) => c.type), ['Ready', 'ContainersReady', 'PodScheduled', 'Initialized', 'DisruptionTarget']);
});

test('a $setElementOrder without a patch list only reorders', () => {
  const patch = { status: { '$setElementOrder/conditions': [{ type: 'PodScheduled' }, { type: 'ContainersReady' }, { type: 'Ready' }, { type: 'Initialized' }] } };
  const out: any = applyStrategicMergePatch(pod(), patch, 'V1Pod');
  assert.deepEqual(out.status.conditions.map((c: any) => c.type), ['PodScheduled', 'ContainersReady', 'Ready', 'Initialized']);
});

test('finalizers are a set: union, and $deleteFromPrimitiveList removes', () => {
  const added: any = applyStrategicMergePatch(pod(), { metadata: { finalizers: ['b.example.com/y', 'c.example.com/z'] } }, 'V1Pod');
  assert.deepEqual(added.metadata.finalizers, ['a.example.com/x', 'b.example.com/y', 'c.example.com/z']);
  const removed: any = applyStrategicMergePatch(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } }, 'V1Pod');
  assert.deepEqual(removed.metadata.finalizers, ['b.example.com/y']);
  const both: any = applyStrategicMergePatch(
    pod(),
    { metadata: { '$deleteFromPrimitiveList/finalizers': ['b.example.com/y'], finalizers: ['c.example.com/z'], '$setElementOrder/finalizers': ['c.example.com/z', 'a.example.com/x'] } },
    'V1Pod',
  );
  assert.deepEqual(both.metadata.finalizers, ['c.example.com/z', 'a.example.com/x']);
});

test('ownerReferences merge by uid', () => {
  const original = { metadata: { name: 'x', ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'rs', apiVersion: 'apps/v1' }] } };
  const out: any = applyStrategicMergePatch(original, { metadata: { ownerReferences: [{ uid: 'u2', kind: 'Node', name: 'n', apiVersion: 'v1' }, { uid: 'u1', controller: true }] } }, 'V1Pod');
  assert.deepEqual(out.metadata.ownerReferences.map((o: any) => [o.uid, o.controller]), [['u1', true], ['u2', undefined]]);
});

test('null removes a label; other labels stay; maps merge', () => {
  const out: any = applyStrategicMergePatch(pod(), { metadata: { labels: { tier: null, track: 'stable' } } }, 'V1Pod');
  assert.deepEqual(out.metadata.labels, { app: 'web', track: 'stable' });
});

test('$retainKeys on a volume drops the old source when the source kind changes', () => {
  const patch = { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'emptyDir'], emptyDir: { medium: 'Memory' } }] } };
  const out: any = applyStrategicMergePatch(pod(), patch, 'V1Pod');
  assert.deepEqual(out.spec.volumes, [{ name: 'data', emptyDir: { medium: 'Memory' } }, { name: 'cache', emptyDir: {} }]);
  // Without $retainKeys both sources would remain (a plain merge).
  const merged: any = applyStrategicMergePatch(pod(), { spec: { volumes: [{ name: 'data', emptyDir: {} }] } }, 'V1Pod');
  assert.deepEqual(Object.keys(merged.spec.volumes[0]).sort(), ['emptyDir', 'hostPath', 'name']);
});

test('$retainKeys that does not cover the patch content is rejected with 422', () => {
  const patch = { spec: { volumes: [{ name: 'data', $retainKeys: ['name'], emptyDir: {} }] } };
  assert.throws(() => applyStrategicMergePatch(pod(), patch, 'V1Pod'), (e) => isStatusError(e, 'Invalid') && e.code === 422 && /retainKeys/.test(e.message));
});

test('$patch: replace on a map replaces it; on a list replaces the list', () => {
  const map: any = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'replace', only: 'me' } } }, 'V1Pod');
  assert.deepEqual(map.metadata.labels, { only: 'me' });
  const list: any = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'solo', image: 'solo:1' }, { $patch: 'replace' }] } }, 'V1Pod');
  assert.deepEqual(list.spec.containers, [{ name: 'solo', image: 'solo:1' }]);
});

test('$patch: delete on a map empties it', () => {
  const out: any = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'delete' } } }, 'V1Pod');
  assert.deepEqual(out.metadata.labels, {});
});

test('node status: conditions and addresses merge by type; images replace', () => {
  const node = {
    metadata: { name: 'n1' },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }],
      images: [{ names: ['a'] }, { names: ['b'] }],
    },
  };
  const out: any = applyStrategicMergePatch(
    node,
    { status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], images: [{ names: ['c'] }] } },
    'V1Node',
  );
  assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }]);
  assert.deepEqual(out.status.addresses, [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }]);
  assert.deepEqual(out.status.images, [{ names: ['c'] }]);
});

test('pod status containerStatuses replace whole (no patch strategy upstream)', () => {
  const original = { metadata: { name: 'p' }, status: { containerStatuses: [{ name: 'a', ready: true }, { name: 'b', ready: true }] } };
  const out: any = applyStrategicMergePatch(original, { status: { containerStatuses: [{ name: 'a', ready: false }] } }, 'V1Pod');
  assert.deepEqual(out.status.containerStatuses, [{ name: 'a', ready: false }]);
});

test('an unknown class behaves as a merge patch (lists replace, maps merge, nulls delete)', () => {
  const original = { metadata: { name: 'x', labels: { a: '1', b: '2' } }, spec: { items: [{ name: 'a' }, { name: 'b' }] } };
  const out: any = applyStrategicMergePatch(original, { metadata: { labels: { b: null } }, spec: { items: [{ name: 'c' }] } }, undefined);
  assert.deepEqual(out, { metadata: { name: 'x', labels: { a: '1' } }, spec: { items: [{ name: 'c' }] } });
});

test('a new subtree is stored without directives or nulls', () => {
  const original = { metadata: { name: 'x' } };
  const out: any = applyStrategicMergePatch(original, { metadata: { labels: { $patch: 'replace', a: '1', gone: null } } }, 'V1Pod');
  assert.deepEqual(out.metadata.labels, { a: '1' });
});

test('a merge list element without its merge key is a 400 naming the key', () => {
  assert.throws(
    () => applyStrategicMergePatch(pod(), { spec: { containers: [{ image: 'nginx' }] } }, 'V1Pod'),
    (e) => isStatusError(e, 'BadRequest') && /does not contain declared merge key: name/.test(e.message) && /spec\.containers/.test(e.message),
  );
});

test('an unknown $patch directive and malformed directive values are 400s', () => {
  const bad = (patch: object) => assert.throws(() => applyStrategicMergePatch(pod(), patch, 'V1Pod'), (e) => isStatusError(e, 'BadRequest'));
  bad({ metadata: { labels: { $patch: 'explode' } } });
  bad({ metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } });
  bad({ status: { '$setElementOrder/conditions': 'Ready', conditions: [] } });
  bad({ spec: { volumes: [{ name: 'data', $retainKeys: 'name' }] } });
});
