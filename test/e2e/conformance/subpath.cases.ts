// Upstream's test/e2e/storage/subpath.go ("Subpath Atomic writer volumes", all [Conformance]),
// with testsuites.SubpathTestPod as TestBasicSubpath leaves it after removeUnusedContainers: one
// container reading the subPath mount in a loop (mounttest --file_content_in_loop, 20 s).
import { describe, it } from 'node:test';
import { conformanceCluster, uniqueName, type Json } from './framework.ts';
import { dataObject, mounttestPod } from './storage_support.ts';

const D = '[sig-storage] Subpath Atomic writer volumes';
describe(D, { concurrency: true }, () => {
  // upstream's BeforeEach (AlreadyExists tolerated there; here made once for the file).
  const f = conformanceCluster(async (f) => {
    await f.create(dataObject('Secret', 'my-secret', { 'secret-key': 'secret-value' }));
    await f.create(dataObject('ConfigMap', 'my-configmap', { 'configmap-key': 'configmap-value' }));
  });

  /** SubpathTestPod + TestBasicSubpathFile: the file (default the mount path) must hold contents. */
  const basicSubpath = async (subPath: string, volumeType: string, source: Json, contents: (podName: string) => string, mountPath = '/test-volume') => {
    const suffix = `${volumeType.toLowerCase()}-${uniqueName('x').slice(2)}`;
    const podName = `pod-subpath-test-${suffix}`;
    const pod = mounttestPod(
      podName,
      [{ name: 'test-volume', ...source }, { name: 'liveness-probe-volume', emptyDir: {} }],
      [{ name: 'test-volume', mountPath, subPath }, { name: 'liveness-probe-volume', mountPath: '/probe-volume' }],
      `--file_content_in_loop=${mountPath}`,
      '--retry_time=20',
    );
    pod.spec.containers[0].name = `test-container-subpath-${suffix}`;
    pod.spec.securityContext = { seLinuxOptions: { level: 's0:c0,c1' } };
    await f.expectOutput(pod, [contents(podName)]);
    await f.deletePod(podName);
  };

  it(`${D} should support subpaths with secret pod [Conformance]`, () => basicSubpath('secret-key', 'secret', { secret: { secretName: 'my-secret' } }, () => 'secret-value'));
  it(`${D} should support subpaths with configmap pod [Conformance]`, () => basicSubpath('configmap-key', 'configmap', { configMap: { name: 'my-configmap' } }, () => 'configmap-value'));
  it(`${D} should support subpaths with configmap pod with mountPath of existing file [Conformance]`, () =>
    basicSubpath('configmap-key', 'configmap', { configMap: { name: 'my-configmap' } }, () => 'configmap-value', '/etc/resolv.conf'));
  it(`${D} should support subpaths with downward pod [Conformance]`, () =>
    basicSubpath('downward/podname', 'downwardAPI', { downwardAPI: { items: [{ path: 'downward/podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }, (podName) => podName));
  it(`${D} should support subpaths with projected pod [Conformance]`, () =>
    basicSubpath('projected/configmap-key', 'projected', { projected: { sources: [{ configMap: { name: 'my-configmap', items: [{ path: 'projected/configmap-key', key: 'configmap-key' }] } }] } }, () => 'configmap-value'));
});
