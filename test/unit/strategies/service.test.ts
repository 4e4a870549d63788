import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/api/errors.ts';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { allocateClusterIP, allocateNodePort, checkRequestedClusterIP, kubernetesServiceIP, strategyFor, validateObjectMeta } from '../../../src/apiserver/registry/strategies/index.ts';
import { assignServiceAddresses } from '../../../src/apiserver/registry/strategies/service_alloc.ts';

const services = strategyFor('', 'services');
const now = new Date('2024-05-01T12:00:00Z');

function created(spec: any): any {
  const svc: any = { metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec };
  services.prepareForCreate!(svc);
  return svc;
}
const errs = (spec: any) => services.validate!(created(spec)).map(fieldErrorMessage);

test('service defaults', () => {
  const svc = created({ ports: [{ port: 80 }], selector: { app: 'web' } });
  assert.deepEqual(svc.spec, {
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    selector: { app: 'web' },
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
  });
  assert.deepEqual(svc.status, { loadBalancer: {} });
  const np = created({ type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] });
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  assert.equal(np.spec.ports[0].targetPort, 'http');
});

test('service names are DNS-1035 labels', () => {
  const e = validateObjectMeta({ metadata: { name: '1web', namespace: 'd' } }, { namespaced: true, resource: 'services' });
  assert.match(fieldErrorMessage(e[0]), /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of/);
  assert.deepEqual(validateObjectMeta({ metadata: { name: 'web', namespace: 'd' } }, { namespaced: true, resource: 'services' }), []);
});

test('port validation', () => {
  assert.deepEqual(errs({ ports: [] }), ['spec.ports: Required value']);
  assert.deepEqual(errs({ clusterIP: 'None' }), []);
  assert.deepEqual(errs({ ports: [{ port: 80 }, { name: 'b', port: 80 }] }), ['spec.ports[0].name: Required value', 'spec.ports[1]: Duplicate value: "80/TCP"']);
  assert.deepEqual(errs({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 0, protocol: 'X' }] }), [
    'spec.ports[1].name: Duplicate value: "a"',
    'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[1].protocol: Unsupported value: "X": supported values: "SCTP", "TCP", "UDP"',
    // targetPort defaults to the (invalid) port, so upstream reports it too
    'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
  ]);
  assert.deepEqual(errs({ ports: [{ port: 80, nodePort: 30080 }] }), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  assert.deepEqual(errs({ type: 'Magic', ports: [{ port: 80 }] }).slice(0, 1), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']);
  assert.deepEqual(errs({ type: 'ExternalName' }), ['spec.externalName: Required value']);
});

test('clusterIP is immutable; an update without it keeps the old one and its node ports', () => {
  const old = created({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
  old.spec.clusterIP = '10.96.1.1';
  old.spec.clusterIPs = ['10.96.1.1'];
  const applied: any = { metadata: { ...old.metadata }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  services.prepareForUpdate!(applied, old);
  assert.equal(applied.spec.clusterIP, '10.96.1.1');
  assert.equal(applied.spec.ports[0].nodePort, 30080);
  assert.deepEqual(services.validateUpdate!(applied, old), []);
  const changed = structuredClone(old);
  changed.spec.clusterIP = '10.96.1.2';
  changed.spec.clusterIPs = ['10.96.1.2'];
  services.prepareForUpdate!(changed, old);
  assert.deepEqual(services.validateUpdate!(changed, old).map(fieldErrorMessage), ['spec.clusterIPs[0]: Invalid value: ["10.96.1.2"]: may not change once set']);
});

test('cluster IP allocation: above the static band, skips the kubernetes address, errors when full', () => {
  assert.equal(kubernetesServiceIP(), '10.96.0.1');
  assert.equal(allocateClusterIP(new Set()), '10.96.1.1');
  assert.equal(allocateClusterIP(new Set(['10.96.1.1'])), '10.96.1.2');
  assert.equal(allocateClusterIP(new Set(), '10.0.0.0/29'), '10.0.0.2');
  const full = new Set(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  assert.throws(() => allocateClusterIP(full, '10.0.0.0/29'), (e: unknown) => isStatusError(e, 'InternalError') && /range is full/.test(e.message));
  assert.deepEqual(checkRequestedClusterIP('10.96.0.10', new Set()), []);
  assert.match(fieldErrorMessage(checkRequestedClusterIP('192.168.0.1', new Set())[0]), /the provided IP \(192\.168\.0\.1\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12/);
  assert.match(fieldErrorMessage(checkRequestedClusterIP('10.96.0.10', new Set(['10.96.0.10']))[0]), /provided IP is already allocated/);
});

test('node port allocation and assignment', () => {
  assert.equal(allocateNodePort(new Set()), 30086);
  assert.equal(allocateNodePort(new Set([30086])), 30087);
  assert.equal(allocateNodePort(new Set(), [30000, 30001]), 30000);
  const svc = created({ type: 'NodePort', ports: [{ port: 80 }, { name: 'b', port: 81, nodePort: 80 }] });
  const state = { usedIPs: new Set<string>(), usedNodePorts: new Set<number>() };
  const e = assignServiceAddresses(svc, undefined, state);
  assert.equal(svc.spec.clusterIP, '10.96.1.1');
  assert.deepEqual(svc.spec.clusterIPs, ['10.96.1.1']);
  assert.equal(svc.spec.ports[0].nodePort, 30086);
  assert.deepEqual(e.map(fieldErrorMessage), ['spec.ports[1].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767']);
});

test('service table', () => {
  const svc = created({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } });
  svc.spec.clusterIPs = ['10.96.1.1'];
  assert.deepEqual(services.table!.cells(svc, now), ['web', 'NodePort', '10.96.1.1', '<none>', '80:30080/TCP,53/UDP', '60m', 'a=1,b=2']);
  const lb = created({ type: 'LoadBalancer', ports: [{ port: 80 }] });
  assert.equal(services.table!.cells(lb, now)[3], '<pending>');
  const ext = created({ type: 'ExternalName', externalName: 'example.com' });
  assert.deepEqual(services.table!.cells(ext, now).slice(1, 5), ['ExternalName', '<none>', 'example.com', '<none>']);
  assert.deepEqual(services.table!.columns.map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
});
