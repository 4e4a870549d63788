import { test } from 'node:test';
import assert from 'node:assert/strict';
import { child, fieldElement, formatPath, fromFieldsV1, keyElement, toFieldsV1, valueElement } from '../../../src/api/managedfields/fieldpath.ts';

const path = (...es: string[]) => es.reduce(child, '');
const containerImage = path(fieldElement('spec'), fieldElement('containers'), keyElement({ name: 'c' }), fieldElement('image'));
const containerItem = path(fieldElement('spec'), fieldElement('containers'), keyElement({ name: 'c' }));
const finalizer = path(fieldElement('metadata'), fieldElement('finalizers'), valueElement('x/y'));

test('prints paths as upstream does', () => {
  assert.equal(formatPath(containerImage), '.spec.containers[name="c"].image');
  assert.equal(formatPath(finalizer), '.metadata.finalizers[="x/y"]');
  assert.equal(formatPath(path(fieldElement('ports'), keyElement({ protocol: 'TCP', containerPort: 80 }))), '.ports[containerPort=80,protocol="TCP"]');
});

test('list-map keys are written in name order', () => {
  assert.equal(keyElement({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}');
});

test('fieldsV1 marks a member with children with "." and round-trips', () => {
  const set = new Set([containerItem, containerImage, finalizer]);
  const v1 = toFieldsV1(set);
  assert.deepEqual(v1, {
    'f:metadata': { 'f:finalizers': { 'v:"x/y"': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } } },
  });
  assert.deepEqual(Object.keys(v1['f:spec']['f:containers']['k:{"name":"c"}']), ['.', 'f:image']);
  assert.deepEqual(fromFieldsV1(v1), set);
});

test('fieldsV1 that is not a tree of path elements is refused', () => {
  assert.throws(() => fromFieldsV1({ 'x:y': {} }), /unknown path element/);
  assert.throws(() => fromFieldsV1({ 'f:a': 1 }), /expected an object/);
});
