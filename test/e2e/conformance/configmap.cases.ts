// Upstream's test/e2e/common/node/configmap.go: ConfigMaps consumed as environment variables, and
// the ConfigMap API's validation and lifecycle. docs/conformance.md has every case and its status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NAMESPACE, shellPod, conformanceCluster, uniqueName, type Framework, type Json } from './framework.ts';

/** Upstream's newConfigMap: keys with dashes, valid environment variable names since 1.x. */
const newConfigMap = (name: string): Json => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' },
});

// Upstream runs `sh -c env`; Debian's busybox 1.35 ash leaves names that are not shell
// identifiers (data-1) out of its children's environment, so `env` runs alone.
const envPod = (name: string, container: Json): Json => shellPod(name, 'env', {}, { name: 'env-test', command: ['env'], ...container });

describe('[sig-node] ConfigMap', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] ConfigMap should be consumable via environment variable [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('configmap-test');
    await f.create(newConfigMap(name));
    await f.expectOutput(
      envPod(uniqueName('pod-configmaps'), { env: [{ name: 'CONFIG_DATA_1', valueFrom: { configMapKeyRef: { name, key: 'data-1' } } }] }),
      ['CONFIG_DATA_1=value-1'],
    );
  });

  it('[sig-node] ConfigMap should be consumable via the environment [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('configmap-test');
    await f.create(newConfigMap(name));
    await f.expectOutput(
      envPod(uniqueName('pod-configmaps'), { envFrom: [{ configMapRef: { name } }, { prefix: 'p-', configMapRef: { name } }] }),
      ['data-1=value-1', 'data-2=value-2', 'data-3=value-3', 'p-data-1=value-1', 'p-data-2=value-2', 'p-data-3=value-3'],
    );
  });

  it('[sig-node] ConfigMap should fail to create ConfigMap with empty key [Conformance]', async () => {
    const name = uniqueName('configmap-test-emptykey');
    const res = await f.api.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { '': 'value-1' } });
    assert.equal(res.status, 422, `created configMap ${name} with an empty key: ${res.status} ${res.text}`);
    assert.equal((await f.api.request('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps/${name}`)).status, 404);
  });

  it('[sig-node] ConfigMap should run through a ConfigMap lifecycle [Conformance]', async () => {
    // The file's cluster is this case's alone for these labels, as upstream's namespace is.
    const name = uniqueName('test-configmap');
    const label = 'test-configmap-static';
    await f.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { [label]: 'true' } }, data: { valueName: 'value' } });

    const fetched = JSON.parse(await f.kubectl('get', 'configmap', name, '-o', 'json'));
    assert.equal(fetched.data.valueName, 'value');
    assert.equal(fetched.metadata.labels[label], 'true');

    // Upstream patches with a strategic merge patch; kubectl patch's default type is the same.
    await f.kubectl('patch', 'configmap', name, '-p', JSON.stringify({ metadata: { labels: { 'test-configmap': 'patched' } }, data: { valueName: 'value1' } }));

    const all = (await f.api.request('GET', `/api/v1/configmaps?labelSelector=${encodeURIComponent('test-configmap=patched')}`)).json();
    const found = all.items.find((cm: Json) => cm.metadata.name === name && cm.metadata.namespace === NAMESPACE && cm.metadata.labels[label] === 'true' && cm.data.valueName === 'value1');
    assert.ok(found, `ConfigMap ${name} not found by label selector across namespaces: ${JSON.stringify(all.items)}`);

    const del = await f.api.request('DELETE', `/api/v1/namespaces/${NAMESPACE}/configmaps?labelSelector=${encodeURIComponent(`${label}=true`)}`);
    assert.equal(del.status, 200, `delete collection: ${del.status} ${del.text}`);
    const left = (await f.api.request('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps?labelSelector=${encodeURIComponent(`${label}=true`)}`)).json();
    assert.equal(left.items.length, 0, 'ConfigMap is still present after being deleted by collection');
  });
});
