// Kubernetes protobuf request bodies: fixtures encoded with protobufjs from Berth's own
// .proto files, decoded back into the JSON shape Go's encoding/json gives those objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { StatusError } from '../../src/api/errors.ts';
import { decodeProtobufObject } from '../../src/api/protobuf/index.ts';
import { messageToJson } from '../../src/api/protobuf/json.ts';
import { parseSchema } from '../../src/api/protobuf/schema.ts';
import { decodeObject } from '../../src/apiserver/http/body.ts';

const root = parseSchema();
const magic = Buffer.from('k8s\0', 'latin1');

function encode(typeName: string, obj: Record<string, unknown>): Uint8Array {
  const t = root.lookupType(typeName);
  const err = t.verify(obj);
  if (err) throw new Error(`fixture for ${typeName}: ${err}`);
  return t.encode(t.fromObject(obj)).finish();
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: Record<string, unknown> = {}): Buffer {
  const env = encode('k8s.io.apimachinery.pkg.runtime.Unknown', { typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '', ...extra });
  return Buffer.concat([magic, env]);
}

const core = (kind: string, obj: Record<string, unknown>) => envelope('v1', kind, encode(`k8s.io.api.core.v1.${kind}`, obj));

/** What Go's protobuf marshalling writes for an ObjectMeta with only a name: every plain scalar, the zero time. */
const goMeta = (name: string, namespace = '') => ({
  name, generateName: '', namespace, selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {},
});

function badRequest(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && message.test(e.message));
}

describe('decodeProtobufObject', () => {
  it('decodes a ConfigMap as kubectl create configmap sends it', () => {
    const body = core('ConfigMap', {
      metadata: { ...goMeta('c', 'default'), labels: { app: 'web' } },
      data: { a: 'b', 'app.conf': 'x=1\n' },
      binaryData: { blob: Buffer.from([0xff, 0x00, 0xfe]) },
    });
    assert.deepEqual(decodeProtobufObject(body, { group: '', version: 'v1', kind: 'ConfigMap' }), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default', creationTimestamp: null, labels: { app: 'web' } },
      data: { a: 'b', 'app.conf': 'x=1\n' },
      binaryData: { blob: '/wD+' },
    });
  });

  it('keeps pointer fields at their zero value and drops plain zero scalars', () => {
    const body = core('ConfigMap', {
      metadata: { ...goMeta('c'), deletionGracePeriodSeconds: 0, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: false }], finalizers: ['f'] },
      immutable: false,
    });
    const obj = decodeProtobufObject(body);
    assert.equal(obj.immutable, false);
    assert.equal(obj.metadata.deletionGracePeriodSeconds, 0);
    assert.deepEqual(obj.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: false }]);
    assert.deepEqual(obj.metadata.finalizers, ['f']);
    assert.equal('generation' in obj.metadata, false);
    assert.equal('generateName' in obj.metadata, false);
    assert.equal('data' in obj, false);
  });

  it('decodes Secret data bytes to base64 and keeps stringData and type', () => {
    const body = core('Secret', { metadata: goMeta('s'), data: { p: Buffer.from('q'), bin: Buffer.from([0x80, 0x81]) }, stringData: { x: 'y' }, type: 'Opaque' });
    const obj = decodeProtobufObject(body, { group: '', version: 'v1', kind: 'Secret' });
    assert.deepEqual(obj.data, { p: 'cQ==', bin: 'gIE=' });
    assert.deepEqual(obj.stringData, { x: 'y' });
    assert.equal(obj.type, 'Opaque');
  });

  it('writes empty embedded structs the way Go does (Namespace spec and status)', () => {
    const obj = decodeProtobufObject(core('Namespace', { metadata: goMeta('n'), spec: {}, status: { phase: '' } }));
    assert.deepEqual(obj, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', creationTimestamp: null }, spec: {}, status: {} });
  });

  it('decodes a Service: ports, IntOrString target ports, pointers and status', () => {
    const body = core('Service', {
      metadata: { ...goMeta('web'), labels: { app: 'web' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080, strVal: '' }, nodePort: 0 },
          { name: 'named', protocol: 'UDP', port: 53, targetPort: { type: 1, intVal: 0, strVal: 'dns' }, nodePort: 30053 },
          { name: '', protocol: '', port: 0, targetPort: {}, nodePort: 0 },
        ],
        selector: { app: 'web' },
        clusterIP: 'None',
        type: 'ClusterIP',
        sessionAffinity: '',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
        healthCheckNodePort: 0,
        publishNotReadyAddresses: false,
        ipFamilyPolicy: 'SingleStack',
        allocateLoadBalancerNodePorts: false,
      },
      status: { loadBalancer: {} },
    });
    const obj = decodeProtobufObject(body, { group: '', version: 'v1', kind: 'Service' });
    assert.deepEqual(obj.spec, {
      ports: [
        { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'named', protocol: 'UDP', port: 53, targetPort: 'dns', nodePort: 30053 },
        { port: 0, targetPort: 0 },
      ],
      selector: { app: 'web' },
      clusterIP: 'None',
      type: 'ClusterIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
      ipFamilyPolicy: 'SingleStack',
      allocateLoadBalancerNodePorts: false,
    });
    assert.deepEqual(obj.status, { loadBalancer: {} });
  });

  it('decodes a ServiceAccount with references', () => {
    const obj = decodeProtobufObject(core('ServiceAccount', { metadata: goMeta('sa', 'n'), secrets: [{ name: 'tok', kind: '' }], imagePullSecrets: [{ name: 'reg' }], automountServiceAccountToken: false }));
    assert.deepEqual(obj.secrets, [{ name: 'tok' }]);
    assert.deepEqual(obj.imagePullSecrets, [{ name: 'reg' }]);
    assert.equal(obj.automountServiceAccountToken, false);
  });

  it('decodes an authentication.k8s.io/v1 TokenRequest', () => {
    const raw = encode('k8s.io.api.authentication.v1.TokenRequest', {
      metadata: goMeta('default', 'default'),
      spec: { audiences: ['a1', 'a2'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } },
      status: { token: '', expirationTimestamp: {} },
    });
    const obj = decodeProtobufObject(envelope('authentication.k8s.io/v1', 'TokenRequest', raw), { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
    assert.deepEqual(obj, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'default', namespace: 'default', creationTimestamp: null },
      spec: { audiences: ['a1', 'a2'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } },
      status: { token: '', expirationTimestamp: null },
    });
  });

  it('decodes a Pod: inlined structs, quantities, probes, volumes and times', () => {
    const body = core('Pod', {
      metadata: { ...goMeta('p'), creationTimestamp: { seconds: 1700000000, nanos: 0 }, generation: 2 ** 40 },
      spec: {
        containers: [{
          name: 'main',
          image: 'busybox',
          command: ['sleep', '3600'],
          ports: [{ name: '', hostPort: 0, containerPort: 80, protocol: 'TCP', hostIP: '' }],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'cm' }, key: 'k' } } },
            { name: 'C', value: '', valueFrom: { resourceFieldRef: { containerName: '', resource: 'limits.cpu', divisor: {} } } },
          ],
          resources: { limits: { cpu: { string: '500m' }, memory: { string: '64Mi' } } },
          livenessProbe: { handler: { httpGet: { path: '/healthz', port: { type: 1, strVal: 'http' }, host: '', scheme: 'HTTP' } }, initialDelaySeconds: 0, periodSeconds: 10, terminationGracePeriodSeconds: 0 },
          securityContext: { runAsUser: 0, privileged: false },
          stdin: false,
        }],
        ephemeralContainers: [{ ephemeralContainerCommon: { name: 'debug', image: 'busybox', resources: {} }, targetContainerName: 'main' }],
        volumes: [{ name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'cm' }, defaultMode: 420 } } }],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        securityContext: { supplementalGroups: [1000, 2000] },
        hostNetwork: false,
        priority: 0,
      },
      status: { phase: '', startTime: { seconds: 1700000001 } },
    });
    const obj = decodeProtobufObject(body, { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(obj.metadata.creationTimestamp, '2023-11-14T22:13:20Z');
    assert.equal(obj.metadata.generation, 2 ** 40);
    assert.deepEqual(obj.spec, {
      containers: [{
        name: 'main',
        image: 'busybox',
        command: ['sleep', '3600'],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } },
          { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
        ],
        resources: { limits: { cpu: '500m', memory: '64Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, terminationGracePeriodSeconds: 0 },
        securityContext: { runAsUser: 0, privileged: false },
      }],
      ephemeralContainers: [{ name: 'debug', image: 'busybox', resources: {}, targetContainerName: 'main' }],
      volumes: [{ name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      securityContext: { supplementalGroups: [1000, 2000] },
      priority: 0,
    });
    assert.deepEqual(obj.status, { startTime: '2023-11-14T22:13:21Z' });
  });

  it('formats MicroTime with microseconds and the zero time as null', () => {
    const micro = root.lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime');
    assert.equal(messageToJson(micro, micro.decode(encode(micro.fullName.slice(1), { seconds: 1700000000, nanos: 123456789 })) as never), '2023-11-14T22:13:20.123456Z');
    assert.equal(messageToJson(micro, micro.decode(new Uint8Array()) as never), null);
  });

  it('ignores field numbers it does not know', () => {
    // A newer client's ConfigMap: the known fields plus field 99 (and managedFields, 17, in metadata).
    const extended = protobuf.parse(`syntax = "proto2";
      message Meta { optional string name = 1; repeated bytes managedFields = 17; }
      message CM { optional Meta metadata = 1; map<string, string> data = 2; optional string future = 99; }`).root.lookupType('CM');
    const raw = extended.encode(extended.fromObject({ metadata: { name: 'c', managedFields: [Buffer.from('x')] }, data: { a: 'b' }, future: 'z' })).finish();
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', raw)), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  });

  it('rejects a body without the magic prefix', () => {
    badRequest(() => decodeProtobufObject(Buffer.from('{"kind":"ConfigMap"}')), /magic prefix/);
    badRequest(() => decodeProtobufObject(Buffer.alloc(0)), /magic prefix/);
  });

  it('rejects a body that does not decode', () => {
    badRequest(() => decodeProtobufObject(Buffer.concat([magic, Buffer.from([0x0a, 0x50, 0x01])])), /couldn't decode the protobuf envelope/);
    const raw = encode('k8s.io.api.core.v1.ConfigMap', { metadata: goMeta('c'), data: { a: 'b' } });
    badRequest(() => decodeProtobufObject(envelope('v1', 'ConfigMap', raw.subarray(0, raw.length - 2))), /couldn't decode the protobuf ConfigMap/);
  });

  it('rejects a kind or group-version other than the expected one', () => {
    const body = core('ConfigMap', { metadata: goMeta('c') });
    badRequest(() => decodeProtobufObject(body, { group: '', version: 'v1', kind: 'Secret' }), /kind in the protobuf body \(ConfigMap\) does not match the expected kind \(Secret\)/);
    badRequest(() => decodeProtobufObject(body, { group: 'apps', version: 'v1', kind: 'ConfigMap' }), /apiVersion in the protobuf body \(v1\) does not match the expected apiVersion \(apps\/v1\)/);
  });

  it('rejects kinds without a schema, an empty kind and encoded payloads', () => {
    badRequest(() => decodeProtobufObject(envelope('apps/v1', 'Deployment', new Uint8Array())), /no protobuf schema for Deployment in apps\/v1/);
    badRequest(() => decodeProtobufObject(envelope('v1', '', new Uint8Array())), /does not name a kind/);
    badRequest(() => decodeProtobufObject(envelope('v1', 'ConfigMap', new Uint8Array(), { contentEncoding: 'gzip' })), /contentEncoding "gzip"/);
  });
});

describe('decodeObject with application/vnd.kubernetes.protobuf', () => {
  const body = core('ConfigMap', { metadata: goMeta('c'), binaryData: { b: Buffer.from([0xff, 0xfe, 0x80]) } });
  const what = 'ConfigMap in version "v1" cannot be handled as a ConfigMap';

  it('accepts the raw bytes and the latin1 text readBody gives for protobuf', () => {
    const expected = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: null }, binaryData: { b: '//6A' } };
    assert.deepEqual(decodeObject(body, 'application/vnd.kubernetes.protobuf', what), expected);
    assert.deepEqual(decodeObject(body.toString('latin1'), 'application/vnd.kubernetes.protobuf; charset=binary', what), expected);
  });

  it('prefixes decode errors with what was being decoded', () => {
    badRequest(() => decodeObject(Buffer.from('nope'), 'application/vnd.kubernetes.protobuf', what), /^ConfigMap in version "v1" cannot be handled as a ConfigMap: the protobuf body does not start/);
  });

  it('checks the expected kind when given', () => {
    badRequest(() => decodeObject(body, 'application/vnd.kubernetes.protobuf', 'Secret', { group: '', version: 'v1', kind: 'Secret' }), /expected kind \(Secret\)/);
  });

  it('still answers 415 for other media types and decodes JSON as before', () => {
    assert.throws(() => decodeObject('x', 'application/cbor', what), (e: unknown) => e instanceof StatusError && e.code === 415);
    assert.deepEqual(decodeObject(Buffer.from('{"a":1}'), 'application/json', what), { a: 1 });
  });
});
