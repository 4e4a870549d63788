// Upstream's test/e2e/common/storage/projected_combined.go (see docs/conformance.md).
import { describe, it } from 'node:test';
import { conformanceCluster, shellPod, uniqueName } from './framework.ts';
import { dataObject } from './storage_support.ts';

const D = '[sig-storage] Projected combined';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  it(`${D} should project all components that make up the projection API [Projection] [NodeConformance] [Conformance]`, async () => {
    const podName = uniqueName('projected-volume');
    const secretName = uniqueName('secret-projected-all-test-volume');
    const configMapName = uniqueName('configmap-projected-all-test-volume');
    await f.create(dataObject('ConfigMap', configMapName, { 'configmap-data': 'configmap-value-1' }));
    await f.create(dataObject('Secret', secretName, { 'secret-data': 'secret-value-1' }));
    const sources = [
      { downwardAPI: { items: [{ path: 'podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } },
      { secret: { name: secretName } },
      { configMap: { name: configMapName } },
    ];
    const pod = shellPod(podName, 'cat /all/podname && cat /all/secret-data && cat /all/configmap-data', { volumes: [{ name: 'podinfo', projected: { sources } }] }, {
      name: 'projected-all-volume-test',
      volumeMounts: [{ name: 'podinfo', mountPath: '/all', readOnly: false }],
    });
    await f.expectOutput(pod, [podName, 'secret-value-1', 'configmap-value-1']);
  });
});
