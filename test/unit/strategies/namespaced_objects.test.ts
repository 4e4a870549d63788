import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from '../../../src/api/core/index.ts';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { strategyFor } from '../../../src/apiserver/registry/strategies/index.ts';
import { configMapStrategy } from '../../../src/apiserver/registry/strategies/configmap.ts';
import { endpointsStrategy } from '../../../src/apiserver/registry/strategies/endpoints.ts';
import { endpointSliceStrategy } from '../../../src/apiserver/registry/strategies/endpointslice.ts';
import { eventStrategy } from '../../../src/apiserver/registry/strategies/event.ts';
import { leaseStrategy } from '../../../src/apiserver/registry/strategies/lease.ts';
import { secretStrategy } from '../../../src/apiserver/registry/strategies/secret.ts';
import { serviceAccountStrategy } from '../../../src/apiserver/registry/strategies/serviceaccount.ts';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name = 'x') => ({ name, namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' });
const secrets = secretStrategy;
const configMaps = configMapStrategy;

test('secrets: Opaque by default, stringData folded into data, table and field', () => {
  const s: any = { metadata: meta(), data: { a: 'YQ==' }, stringData: { b: 'hello' } };
  secrets.prepareForCreate!(s);
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { a: 'YQ==', b: 'aGVsbG8=' });
  assert.equal(s.stringData, undefined);
  assert.deepEqual(secrets.validate!(s), []);
  assert.deepEqual(secrets.table!.cells(s, now), ['x', 'Opaque', 2, '60m']);
  assert.deepEqual(secrets.fields!(s), { type: 'Opaque' });
});

test('secrets: base64 values, valid keys, type-specific keys, immutability', () => {
  const bad: any = { metadata: meta(), type: 'kubernetes.io/tls', data: { 'tls.crt': 'not base64!', 'bad/key': 'YQ==' } };
  const errs = secrets.validate!(bad).map(fieldErrorMessage);
  assert.equal(errs[0], 'data[tls.crt]: Invalid value: "<value omitted>": illegal base64 data: values of data must be base64 encoded');
  assert.match(errs[1], /^data\[bad\/key\]: Invalid value: "bad\/key": a valid config key must consist of alphanumeric characters/);
  assert.equal(errs[2], 'data[tls.key]: Required value');
  const old: any = { metadata: meta(), type: 'Opaque', immutable: true, data: { a: 'YQ==' } };
  const upd = { ...structuredClone(old), data: { a: 'Yg==' } };
  assert.deepEqual(secrets.validateUpdate!(upd, old).map(fieldErrorMessage), ['data: Forbidden: field is immutable when `immutable` is set']);
  const typed = { ...structuredClone(old), immutable: undefined, type: 'x/y' };
  assert.deepEqual(secrets.validateUpdate!(typed, { ...old, immutable: false }).map(fieldErrorMessage), ['type: Invalid value: "x/y": field is immutable']);
});

test('config maps: keys, overlap, immutability, table', () => {
  const cm: any = { metadata: meta(), data: { a: '1', '..x': '2' }, binaryData: { a: 'AA==' } };
  assert.deepEqual(configMaps.validate!(cm).map(fieldErrorMessage), [
    'data[..x]: Invalid value: "..x": must not start with \'..\'',
    'binaryData: Invalid value: "a": duplicate of key present in data',
  ]);
  assert.deepEqual(configMaps.table!.cells(cm, now), ['x', 3, '60m']);
  const old: any = { metadata: meta(), immutable: true, data: { a: '1' } };
  assert.deepEqual(configMaps.validateUpdate!({ ...old, immutable: false }, old).map(fieldErrorMessage), ['immutable: Forbidden: field is immutable when `immutable` is set']);
});

test('service accounts, leases, endpoints tables', () => {
  assert.deepEqual(serviceAccountStrategy.table!.cells({ metadata: meta('default'), secrets: [{ name: 's' }] }, now), ['default', 1, '60m']);
  const leases = leaseStrategy;
  assert.deepEqual(leases.table!.cells({ metadata: meta('n1'), spec: { holderIdentity: 'n1' } }, now), ['n1', 'n1', '60m']);
  assert.deepEqual(leases.validate!({ metadata: meta(), spec: { leaseDurationSeconds: 0 } }).map(fieldErrorMessage), ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  const eps = endpointsStrategy;
  const ep = {
    metadata: meta('web'),
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] }],
  };
  assert.deepEqual(eps.table!.cells(ep, now), ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...', '60m']);
  assert.equal(eps.table!.cells({ metadata: meta() }, now)[1], '<none>');
  assert.deepEqual(eps.validate!({ metadata: meta(), subsets: [{ addresses: [{ ip: 'x' }], ports: [{ port: 80 }, { port: 81 }] }] }).map((e) => e.field), [
    'subsets[0].addresses[0].ip', 'subsets[0].ports[0].name', 'subsets[0].ports[1].name',
  ]);
});

test('endpoint slices: addressType required and immutable, table', () => {
  const slices = endpointSliceStrategy;
  // What a client may send: the resource's strategy, as the store applies it, before any type holds.
  assert.deepEqual(strategyFor('discovery.k8s.io', 'endpointslices').validate!({ metadata: meta() }).map(fieldErrorMessage), ['addressType: Required value']);
  const s: EndpointSlice = { metadata: meta('web-abc'), addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }], ports: [{ name: 'http', port: 80 }] };
  assert.deepEqual(slices.validate!(s), []);
  assert.deepEqual(slices.table!.cells(s, now), ['web-abc', 'IPv4', '80', '10.0.0.1,10.0.0.2', '60m']);
  assert.deepEqual(slices.table!.cells({ metadata: meta('e'), addressType: 'IPv4' }, now).slice(2, 4), ['<unset>', '<unset>']);
  assert.deepEqual(slices.validateUpdate!({ ...s, addressType: 'IPv6', endpoints: [] }, s).map(fieldErrorMessage), ['addressType: Invalid value: "IPv6": field is immutable']);
  assert.match(fieldErrorMessage(slices.validate!({ ...s, endpoints: [{ addresses: ['::1'] }] })[0]), /endpoints\[0\]\.addresses\[0\]: Invalid value: "::1": must be a valid IPv4 address/);
});

test('events: namespace rule, field selectors and table', () => {
  const events = eventStrategy;
  const ev: any = {
    metadata: { name: 'web.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
    reason: 'Pulled',
    message: 'Successfully pulled image  \n',
    type: 'Normal',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2024-05-01T11:00:00Z',
    lastTimestamp: '2024-05-01T11:58:00Z',
    count: 3,
  };
  assert.deepEqual(events.validate!(ev), []);
  assert.deepEqual(events.table!.cells(ev, now), ['2m', 'Normal', 'Pulled', 'pod/web', 'spec.containers{web}', 'kubelet, n1', 'Successfully pulled image', '60m', 3, 'web.17a']);
  assert.equal(events.fields!(ev).source, 'kubelet');
  assert.equal(events.fields!(ev)['involvedObject.name'], 'web');
  assert.equal(events.fields!({ metadata: {}, involvedObject: {} }).reason, '');
  const nodeEvent = { ...ev, metadata: { name: 'n', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n1' }, count: undefined, lastTimestamp: undefined };
  assert.deepEqual(events.validate!(nodeEvent), []);
  assert.deepEqual(events.table!.cells(nodeEvent, now).slice(0, 4), ['60m', 'Normal', 'Pulled', 'node/n1']);
  assert.equal(events.table!.cells(nodeEvent, now)[8], 1);
  const wrong = { ...ev, metadata: { name: 'n', namespace: 'other' } };
  assert.deepEqual(events.validate!(wrong).map(fieldErrorMessage), ['involvedObject.namespace: Invalid value: "default": does not match event.namespace']);
  const series = { ...ev, series: { count: 7, lastObservedTime: '2024-05-01T11:59:30.000000Z' } };
  assert.deepEqual([events.table!.cells(series, now)[0], events.table!.cells(series, now)[8]], ['30s', 7]);
});
