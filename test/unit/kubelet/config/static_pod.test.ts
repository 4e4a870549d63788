import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifestText } from '../../../../src/kubelet/config/manifest.ts';
import { prepareStaticPod, staticPodUID } from '../../../../src/kubelet/config/static_pod.ts';

const ctx = { nodeName: 'node-1', source: 'file' as const, origin: '/etc/kubernetes/manifests/web.yaml' };
const manifest = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'] }] },
});

test('a file pod gets upstream static defaults: name, namespace, node, UID, annotations, toleration, API defaults', () => {
  const { pod, error } = prepareStaticPod(manifest(), ctx);
  assert.equal(error, undefined);
  assert.ok(pod);
  assert.equal(pod.metadata.name, 'web-node-1');
  assert.equal(pod.metadata.namespace, 'default');
  assert.equal(pod.spec.nodeName, 'node-1');
  assert.match(pod.metadata.uid!, /^[0-9a-f]{32}$/);
  assert.equal(pod.metadata.annotations!['kubernetes.io/config.hash'], pod.metadata.uid);
  assert.equal(pod.metadata.annotations!['kubernetes.io/config.source'], 'file');
  assert.deepEqual(pod.spec.tolerations, [{ operator: 'Exists', effect: 'NoExecute' }]);
  assert.equal(pod.status?.phase, 'Pending');
  // API defaulting ran.
  assert.equal(pod.spec.restartPolicy, 'Always');
  assert.equal(pod.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(pod.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  assert.deepEqual(pod.metadata.labels, { app: 'web' });
});

test('the UID is stable for the same content, node and file, and changes with any of them', () => {
  const uid = (m: unknown, c = ctx) => prepareStaticPod(m, c).pod!.metadata.uid;
  const a = uid(manifest());
  assert.equal(uid(manifest()), a);
  const changed = manifest();
  changed.spec.containers[0].image = 'busybox:1.36';
  assert.notEqual(uid(changed), a);
  assert.notEqual(uid(manifest(), { ...ctx, nodeName: 'node-2' }), a);
  assert.notEqual(uid(manifest(), { ...ctx, origin: '/etc/kubernetes/manifests/other.yaml' }), a);
  // Key order in the manifest does not matter.
  const m = manifest();
  const reordered = { spec: m.spec, metadata: m.metadata, kind: m.kind, apiVersion: m.apiVersion };
  assert.equal(uid(reordered), a);
});

test('an HTTP pod hashes the URL without the node, and gets no NoExecute toleration', () => {
  const http = { nodeName: 'n1', source: 'http' as const, origin: 'http://example/pods' };
  const a = prepareStaticPod(manifest(), http).pod!;
  const b = prepareStaticPod(manifest(), { ...http, nodeName: 'n2' }).pod!;
  assert.equal(a.metadata.uid, b.metadata.uid);
  assert.equal(a.metadata.annotations!['kubernetes.io/config.source'], 'http');
  assert.equal(a.spec.tolerations, undefined);
  assert.equal(staticPodUID({ metadata: {}, spec: { containers: [] } }, http), staticPodUID({ metadata: {}, spec: { containers: [] } }, http));
});

test('a given UID and namespace are kept', () => {
  const m: any = manifest();
  m.metadata.uid = 'fixed-uid';
  m.metadata.namespace = 'kube-system';
  const pod = prepareStaticPod(m, ctx).pod!;
  assert.equal(pod.metadata.uid, 'fixed-uid');
  assert.equal(pod.metadata.namespace, 'kube-system');
  assert.equal(pod.metadata.annotations!['kubernetes.io/config.hash'], 'fixed-uid');
});

test('invalid manifests are rejected with the field named', () => {
  const noImage: any = manifest();
  delete noImage.spec.containers[0].image;
  assert.match(prepareStaticPod(noImage, ctx).error!, /spec\.containers\[0\]\.image: Required value/);

  const wrongType: any = manifest();
  wrongType.spec.containers[0].image = 3;
  assert.match(prepareStaticPod(wrongType, ctx).error!, /spec\.containers\[0\]\.image: Invalid value: 3: must be a string/);

  const noName: any = manifest();
  delete noName.metadata.name;
  assert.match(prepareStaticPod(noName, ctx).error!, /metadata\.name: Required value/);

  assert.match(prepareStaticPod({ ...manifest(), kind: 'Deployment' }, ctx).error!, /expected kind "Pod", got "Deployment"/);
  assert.match(prepareStaticPod({ ...manifest(), kind: undefined }, ctx).error!, /Object 'Kind' is missing/);
  assert.match(prepareStaticPod({ ...manifest(), apiVersion: 'apps/v1' }, ctx).error!, /apiVersion "apps\/v1"/);
  assert.match(prepareStaticPod('just text', ctx).error!, /expected a Pod object/);
  const badName: any = manifest();
  badName.metadata.name = 'Web_Server';
  assert.match(prepareStaticPod(badName, ctx).error!, /metadata\.name: Invalid value: "Web_Server-node-1"/);
});

test('quantities may be numbers, as upstream accepts', () => {
  const m: any = manifest();
  m.spec.containers[0].resources = { limits: { cpu: 1, memory: '64Mi' } };
  const r = prepareStaticPod(m, ctx);
  assert.equal(r.error, undefined);
});

test('a static pod may not reference API objects', () => {
  const cases: Array<[(m: any) => void, RegExp]> = [
    [(m) => (m.spec.serviceAccountName = 'builder'), /spec\.serviceAccountName: Forbidden: a static pod may not reference a service account/],
    [(m) => (m.spec.volumes = [{ name: 's', secret: { secretName: 'x' } }]), /spec\.volumes\[0\]\.secret: Forbidden: a static pod may not reference secrets/],
    [(m) => (m.spec.volumes = [{ name: 'c', configMap: { name: 'x' } }]), /spec\.volumes\[0\]\.configMap: Forbidden: a static pod may not reference configmaps/],
    [(m) => (m.spec.volumes = [{ name: 'p', projected: { sources: [{ configMap: { name: 'x' } }] } }]), /spec\.volumes\[0\]\.projected\.sources\[0\]\.configMap/],
    [(m) => (m.spec.volumes = [{ name: 'v', persistentVolumeClaim: { claimName: 'x' } }]), /persistentvolumeclaims/],
    [(m) => (m.spec.containers[0].env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]), /spec\.containers\[0\]\.env\[0\]\.valueFrom\.secretKeyRef: Forbidden/],
    [(m) => (m.spec.containers[0].envFrom = [{ configMapRef: { name: 'c' } }]), /spec\.containers\[0\]\.envFrom\[0\]\.configMapRef: Forbidden: a static pod may not reference configmaps/],
    [(m) => (m.spec.imagePullSecrets = [{ name: 'reg' }]), /spec\.imagePullSecrets\[0\]: Forbidden: a static pod may not reference secrets/],
  ];
  for (const [mutate, expected] of cases) {
    const m = manifest();
    mutate(m);
    const r = prepareStaticPod(m, ctx);
    assert.equal(r.pod, undefined);
    assert.match(r.error!, /^static pods may not reference API objects: /);
    assert.match(r.error!, expected);
  }
  // Plain env values, emptyDir and hostPath volumes are fine.
  const ok: any = manifest();
  ok.spec.volumes = [{ name: 'e', emptyDir: {} }, { name: 'h', hostPath: { path: '/tmp' } }];
  ok.spec.containers[0].env = [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
  assert.equal(prepareStaticPod(ok, ctx).error, undefined);
});

test('manifest text: YAML 1.1 and JSON; only the first YAML document counts', () => {
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n';
  assert.equal((parseManifestText(yaml) as any).metadata.name, 'a');
  assert.equal((parseManifestText('{"kind":"Pod","metadata":{"name":"j"}}') as any).metadata.name, 'j');
  // YAML 1.1 octal, as go-yaml reads defaultMode: 0644.
  assert.equal((parseManifestText('mode: 0644\n') as any).mode, 0o644);
  assert.equal((parseManifestText('t: 2024-01-02T03:04:05Z\n') as any).t, '2024-01-02T03:04:05Z');
  assert.throws(() => parseManifestText('a: [1, 2\n'), /invalid YAML/);
  assert.throws(() => parseManifestText(''), /empty/);
});
