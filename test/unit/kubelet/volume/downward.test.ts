import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerResourceValue, formatMap, podFieldValue } from '../../../../src/kubelet/volume/downward.ts';
import { configMapPayload, downwardAPIPayload, secretPayload } from '../../../../src/kubelet/volume/payload.ts';
import type { Pod } from '../../../../src/api/core/index.ts';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1', labels: { tier: 'front', app: 'shop' }, annotations: { note: 'say "hi"\nbye' } },
  spec: {
    nodeName: 'node-a',
    containers: [
      { name: 'app', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } } },
      { name: 'side' },
    ],
  },
};

test('pod fields by path, labels and annotations formatted as upstream', () => {
  assert.equal(podFieldValue(pod, 'metadata.name'), 'web');
  assert.equal(podFieldValue(pod, 'metadata.namespace'), 'prod');
  assert.equal(podFieldValue(pod, 'metadata.uid'), 'u-1');
  assert.equal(podFieldValue(pod, 'metadata.labels'), 'app="shop"\ntier="front"');
  assert.equal(podFieldValue(pod, 'metadata.annotations'), 'note="say \\"hi\\"\\nbye"');
  assert.equal(podFieldValue(pod, "metadata.labels['tier']"), 'front');
  assert.equal(formatMap(undefined), '');
  assert.throws(() => podFieldValue(pod, 'spec.bogus'), /unsupported fieldPath: spec.bogus/);
});

test('container resources are divided by the divisor and rounded up; unset limits use node allocatable', () => {
  assert.equal(containerResourceValue(pod, 'app', 'limits.cpu', undefined), '1');
  assert.equal(containerResourceValue(pod, 'app', 'limits.cpu', '1m'), '250');
  assert.equal(containerResourceValue(pod, 'app', 'requests.cpu', '1m'), '100');
  assert.equal(containerResourceValue(pod, 'app', 'limits.memory', '1Mi'), '64');
  assert.equal(containerResourceValue(pod, 'app', 'limits.memory', undefined), String(64 * 1024 * 1024));
  assert.equal(containerResourceValue(pod, 'app', 'requests.memory', '1Gi'), '1');
  assert.equal(containerResourceValue(pod, 'side', 'limits.cpu', '1m', { cpu: '4' }), '4000');
  assert.equal(containerResourceValue(pod, 'side', 'limits.memory', '1Mi', { memory: '2Gi' }), '2048');
  assert.equal(containerResourceValue(pod, 'side', 'requests.cpu', '1m'), '0');
  assert.throws(() => containerResourceValue(pod, 'nope', 'limits.cpu', undefined), /container nope not found/);
});

test('downwardAPI payload uses item modes over the default', () => {
  const p = downwardAPIPayload(
    pod,
    [
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' }, mode: 0o400 },
    ],
    0o644,
  );
  assert.equal(p.get('name')!.data.toString(), 'web');
  assert.equal(p.get('name')!.mode, 0o644);
  assert.equal(p.get('cpu')!.data.toString(), '250');
  assert.equal(p.get('cpu')!.mode, 0o400);
});

test('configMap and secret payloads: all keys, items with paths and modes, optional and missing keys', () => {
  const cm = { metadata: { name: 'c' }, data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([0, 1, 2]).toString('base64') } };
  const all = configMapPayload(cm, undefined, 0o644, false);
  assert.deepEqual([...all.keys()].sort(), ['a', 'b', 'bin']);
  assert.deepEqual([...all.get('bin')!.data], [0, 1, 2]);
  const some = configMapPayload(cm, [{ key: 'a', path: 'dir/x.conf', mode: 0o600 }], 0o644, false);
  assert.deepEqual([...some.keys()], ['dir/x.conf']);
  assert.equal(some.get('dir/x.conf')!.mode, 0o600);
  assert.throws(() => configMapPayload(cm, [{ key: 'zz', path: 'z' }], 0o644, false), { message: 'configmap references non-existent config key: zz' });
  assert.equal(configMapPayload(cm, [{ key: 'zz', path: 'z' }], 0o644, true).size, 0);
  assert.equal(configMapPayload(undefined, undefined, 0o644, true).size, 0);
  const secret = { metadata: { name: 's' }, data: { pw: Buffer.from('hunter2').toString('base64') } };
  assert.equal(secretPayload(secret, undefined, 0o400, false).get('pw')!.data.toString(), 'hunter2');
  assert.throws(() => secretPayload(secret, [{ key: 'x', path: 'x' }], 0o644, false), { message: 'references non-existent secret key: x' });
});
