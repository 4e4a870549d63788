import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSubset } from '../../../src/api/core/index.ts';
import { desiredEndpoints, truncateSubsets } from '../../../src/controllers/endpoints/desired.ts';
import { pod, service } from './fixtures.ts';

const ips = (list: Array<{ ip: string }> | undefined) => (list ?? []).map((a) => a.ip);

test('ready pods go to addresses, unready ones to notReadyAddresses, with node and pod reference', () => {
  const subsets = desiredEndpoints(service('web'), [pod('a', { ip: '10.0.0.2' }), pod('b', { ip: '10.0.0.1', ready: false, node: 'node-2' })])!;
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0].addresses, [{ ip: '10.0.0.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }]);
  assert.deepEqual(subsets[0].notReadyAddresses, [{ ip: '10.0.0.1', nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } }]);
  assert.deepEqual(subsets[0].ports, [{ port: 8080, protocol: 'TCP' }]);
});

test('only selected pods of the service namespace count', () => {
  const subsets = desiredEndpoints(service('web'), [
    pod('a', { ip: '10.0.0.1' }),
    pod('other-labels', { ip: '10.0.0.2', labels: { app: 'db' } }),
    pod('other-ns', { ip: '10.0.0.3', namespace: 'kube-system' }),
  ])!;
  assert.deepEqual(ips(subsets[0].addresses), ['10.0.0.1']);
});

test('addresses are sorted by IP', () => {
  const subsets = desiredEndpoints(service('web'), [pod('a', { ip: '10.0.0.9' }), pod('b', { ip: '10.0.0.3' }), pod('c', { ip: '10.0.0.5' })])!;
  assert.deepEqual(ips(subsets[0].addresses), ['10.0.0.3', '10.0.0.5', '10.0.0.9']);
});

test('a named targetPort resolves per pod; a pod lacking the name is left out of that port', () => {
  const svc = service('web', { ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }] });
  const subsets = desiredEndpoints(svc, [
    pod('a', { ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('b', { ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 9090 }] }),
    pod('c', { ip: '10.0.0.3', ports: [{ name: 'metrics', containerPort: 8080 }] }),
    pod('d', { ip: '10.0.0.4', ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }),
  ])!;
  assert.equal(subsets.length, 2);
  const byPort = new Map(subsets.map((s) => [s.ports![0].port, s]));
  assert.deepEqual(ips(byPort.get(8080)!.addresses), ['10.0.0.1']);
  assert.deepEqual(ips(byPort.get(9090)!.addresses), ['10.0.0.2']);
  assert.deepEqual(byPort.get(8080)!.ports, [{ name: 'web', port: 8080, protocol: 'TCP', appProtocol: 'http' }]);
});

test('a numeric targetPort is taken as is, an unset one means the service port', () => {
  const svc = service('web', { ports: [{ name: 'a', port: 80, targetPort: 8081 }, { name: 'b', port: 81 }] });
  const subsets = desiredEndpoints(svc, [pod('a', { ip: '10.0.0.1', ports: [] })])!;
  assert.deepEqual(subsets, [
    {
      addresses: [{ ip: '10.0.0.1', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }],
      ports: [
        { name: 'a', port: 8081, protocol: 'TCP' },
        { name: 'b', port: 81, protocol: 'TCP' },
      ],
    },
  ]);
});

test('ports offered by different address sets make separate subsets', () => {
  const svc = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'admin', port: 81, targetPort: 'admin' }] });
  const both = [{ name: 'http', containerPort: 8080 }, { name: 'admin', containerPort: 9000 }];
  const subsets = desiredEndpoints(svc, [pod('a', { ip: '10.0.0.1', ports: both }), pod('b', { ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 8080 }] }), pod('c', { ip: '10.0.0.3', ports: both, ready: false })])!;
  assert.equal(subsets.length, 2);
  const http = subsets.find((s) => s.ports![0].name === 'http')!;
  const admin = subsets.find((s) => s.ports![0].name === 'admin')!;
  assert.deepEqual(ips(http.addresses), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(ips(http.notReadyAddresses), ['10.0.0.3']);
  assert.deepEqual(ips(admin.addresses), ['10.0.0.1']);
  assert.deepEqual(ips(admin.notReadyAddresses), ['10.0.0.3']);
  // Ports shared by the same addresses stay together.
  const same = desiredEndpoints(svc, [pod('a', { ip: '10.0.0.1', ports: both })])!;
  assert.equal(same.length, 1);
  assert.deepEqual(same[0].ports!.map((p) => p.name), ['admin', 'http']);
});

test('terminating pods are left out, unless publishNotReadyAddresses puts everyone in addresses', () => {
  const pods = [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', terminating: true }), pod('c', { ip: '10.0.0.3', ready: false })];
  const plain = desiredEndpoints(service('web'), pods)!;
  assert.deepEqual(ips(plain[0].addresses), ['10.0.0.1']);
  assert.deepEqual(ips(plain[0].notReadyAddresses), ['10.0.0.3']);
  const published = desiredEndpoints(service('web', { publishNotReadyAddresses: true }), pods)!;
  assert.deepEqual(ips(published[0].addresses), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  assert.equal(published[0].notReadyAddresses, undefined);
});

test('pods without an IP or in a terminal phase are left out', () => {
  const subsets = desiredEndpoints(service('web'), [pod('no-ip', { ip: '' }), pod('done', { ip: '10.0.0.2', phase: 'Succeeded' }), pod('failed', { ip: '10.0.0.3', phase: 'Failed' })])!;
  assert.deepEqual(subsets, []);
});

test('headless services without ports list addresses without ports; others with no ports list nothing', () => {
  const headless = service('web', { clusterIP: 'None', ports: [] });
  const subsets = desiredEndpoints(headless, [pod('a', { ip: '10.0.0.1', hostname: 'a', subdomain: 'web' })])!;
  assert.deepEqual(subsets, [{ addresses: [{ ip: '10.0.0.1', hostname: 'a', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }] }]);
  assert.deepEqual(desiredEndpoints(service('web', { ports: [] }), [pod('a', { ip: '10.0.0.1' })]), []);
});

test('hostname only when the pod subdomain names the service', () => {
  const subsets = desiredEndpoints(service('web'), [pod('a', { ip: '10.0.0.1', hostname: 'a', subdomain: 'other' })])!;
  assert.equal(subsets[0].addresses![0].hostname, undefined);
});

test('services without selector, with an empty one, or ExternalName are left alone', () => {
  assert.equal(desiredEndpoints(service('web', { selector: undefined }), [pod('a')]), undefined);
  assert.equal(desiredEndpoints(service('web', { selector: {} }), [pod('a')]), undefined);
  assert.equal(desiredEndpoints(service('web', { type: 'ExternalName', externalName: 'x.example' }), [pod('a')]), undefined);
});

test('IPv6 services take the pod IPv6 address', () => {
  const p = pod('a', { ip: '10.0.0.1' });
  p.status = { ...p.status, podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] };
  const subsets = desiredEndpoints(service('web', { ipFamilies: ['IPv6'], clusterIP: 'fd00:96::10' }), [p])!;
  assert.deepEqual(ips(subsets[0].addresses), ['fd00::1']);
});

test('truncation drops not-ready addresses first, then cuts ready ones in proportion', () => {
  const addr = (i: number) => ({ ip: `10.0.${Math.floor(i / 250)}.${i % 250}`, targetRef: { kind: 'Pod' as const, namespace: 'd', name: `p${i}`, uid: `u${i}` } });
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => addr(from + i));
  const under: EndpointSubset[] = [{ addresses: range(0, 10) }];
  assert.equal(truncateSubsets(under, 20).truncated, false);
  const some = truncateSubsets([{ addresses: range(0, 15), notReadyAddresses: range(100, 10) }], 20);
  assert.equal(some.truncated, true);
  assert.equal(some.subsets[0].addresses!.length, 15);
  assert.equal(some.subsets[0].notReadyAddresses!.length, 5);
  const many = truncateSubsets([{ addresses: range(0, 30), notReadyAddresses: range(100, 5) }, { addresses: range(200, 10) }], 20);
  assert.equal(many.subsets[0].notReadyAddresses, undefined);
  assert.equal(many.subsets[0].addresses!.length, 15);
  assert.equal(many.subsets[1].addresses!.length, 5);
});
