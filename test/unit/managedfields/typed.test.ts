import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath } from '../../../src/api/managedfields/fieldpath.ts';
import { compare, fieldValues, merge, removeFields } from '../../../src/api/managedfields/typed.ts';

const printed = (m: Map<string, string>) => [...m.keys()].map(formatPath).sort();

test('a pod: containers by name, ports by containerPort and protocol, env by name, atomic args and selectors', () => {
  const pod = {
    metadata: { name: 'p', labels: { app: 'a' }, finalizers: ['f'] },
    spec: {
      nodeSelector: { disk: 'ssd' },
      containers: [{ name: 'c', image: 'i', args: ['x', 'y'], ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }],
    },
  };
  assert.deepEqual(printed(fieldValues(pod, 'V1Pod')), [
    '.metadata.finalizers[="f"]',
    '.metadata.labels.app',
    '.metadata.name',
    '.spec.containers[name="c"]',
    '.spec.containers[name="c"].args',
    '.spec.containers[name="c"].env[name="A"]',
    '.spec.containers[name="c"].env[name="A"].name',
    '.spec.containers[name="c"].env[name="A"].value',
    '.spec.containers[name="c"].image',
    '.spec.containers[name="c"].name',
    '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]',
    '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"].containerPort',
    '.spec.nodeSelector',
  ]);
});

test('a list whose items repeat a key is one atomic field', () => {
  const pod = { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }] } };
  assert.ok(printed(fieldValues(pod, 'V1Pod')).includes('.spec.containers[name="c"].env'));
});

test('compare finds changed and removed fields', () => {
  const a = fieldValues({ data: { x: '1', y: '2' } }, 'V1ConfigMap');
  const b = fieldValues({ data: { x: '1', y: '3', z: '4' } }, 'V1ConfigMap');
  const { changed, removed } = compare(a, b);
  assert.deepEqual([...changed].map(formatPath).sort(), ['.data.y', '.data.z']);
  assert.deepEqual([...removed], []);
  assert.deepEqual([...compare(b, a).removed].map(formatPath), ['.data.z']);
});

test('merge: maps merge, associative lists merge by key keeping live-only items in place, atomic lists replace', () => {
  const live = {
    metadata: { labels: { a: '1', b: '2' } },
    spec: { containers: [{ name: 'x', image: 'x:1' }, { name: 'keep', image: 'k' }, { name: 'y', image: 'y:1', args: ['1', '2'] }] },
  };
  const config = { metadata: { labels: { b: '3' } }, spec: { containers: [{ name: 'y', args: ['3'] }, { name: 'x', image: 'x:2' }, { name: 'new', image: 'n' }] } };
  const out = merge(live, config, 'V1Pod') as typeof live;
  assert.deepEqual(out.metadata.labels, { a: '1', b: '3' });
  assert.deepEqual(out.spec.containers, [
    { name: 'keep', image: 'k' },
    { name: 'y', image: 'y:1', args: ['3'] },
    { name: 'x', image: 'x:2' },
    { name: 'new', image: 'n' },
  ]);
  assert.deepEqual(live.spec.containers[0], { name: 'x', image: 'x:1' }, 'the live object is not changed');
});

test('removeFields takes leaves, list items and set members, and a map it empties', () => {
  const obj = { metadata: { labels: { a: '1' }, finalizers: ['f', 'g'] }, spec: { containers: [{ name: 'c', image: 'i' }, { name: 'd', image: 'j' }] } };
  const all = fieldValues(obj, 'V1Pod');
  const pick = (p: string) => [...all.keys()].find((k) => formatPath(k) === p)!;
  const out = removeFields(obj, new Set([pick('.metadata.labels.a'), pick('.metadata.finalizers[="f"]'), pick('.spec.containers[name="c"]')]), 'V1Pod');
  assert.deepEqual(out, { metadata: { finalizers: ['g'] }, spec: { containers: [{ name: 'd', image: 'j' }] } });
});
