// Upstream's test/e2e/common/storage/configmap_volume.go, case by case (see docs/conformance.md).
import { describe, it } from 'node:test';
import { conformanceCluster, BUSYBOX, uniqueName } from './framework.ts';
import { CONFIGMAP_DATA, dataObject, fileModeRegex, immutableCase, mounttestPod, optionalUpdatesCase, updatesCase, VOLUME_UPDATE_TIMEOUT_MS, waitForLog, dropPod } from './storage_support.ts';

const D = '[sig-storage] ConfigMap';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** doConfigMapE2EWithoutMappings / doConfigMapE2EWithMappings (fsGroup cases are not conformance). */
  const doConfigMapE2E = async (mapped: boolean, asUser: boolean, mode?: number) => {
    const name = uniqueName(mapped ? 'configmap-test-volume-map' : 'configmap-test-volume');
    await f.create(dataObject('ConfigMap', name, CONFIGMAP_DATA));
    const file = mapped ? '/etc/configmap-volume/path/to/data-2' : '/etc/configmap-volume/data-1';
    const configMap: any = { name };
    if (mapped) configMap.items = [{ key: 'data-2', path: 'path/to/data-2', ...(mode !== undefined ? { mode } : {}) }];
    else if (mode !== undefined) configMap.defaultMode = mode;
    const pod = mounttestPod(uniqueName('pod-configmaps'), [{ name: 'configmap-volume', configMap }], [{ name: 'configmap-volume', mountPath: '/etc/configmap-volume', readOnly: true }], `--file_content=${file}`, `--file_mode=${file}`);
    if (asUser) pod.spec.securityContext = { runAsUser: 1000 };
    await f.expectOutput(pod, [`content of file "${file}": ${mapped ? 'value-2' : 'value-1'}`, fileModeRegex(file, mode)]);
  };

  it(`${D} should be consumable from pods in volume [NodeConformance] [Conformance]`, () => doConfigMapE2E(false, false));
  it(`${D} should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]`, () => doConfigMapE2E(false, false, 0o400));
  it(`${D} should be consumable from pods in volume as non-root [NodeConformance] [Conformance]`, () => doConfigMapE2E(false, true));
  it(`${D} should be consumable from pods in volume with mappings [NodeConformance] [Conformance]`, () => doConfigMapE2E(true, false));
  it(`${D} should be consumable from pods in volume with mappings and Item mode set [LinuxOnly] [NodeConformance] [Conformance]`, () => doConfigMapE2E(true, false, 0o400));
  it(`${D} should be consumable from pods in volume with mappings as non-root [NodeConformance] [Conformance]`, () => doConfigMapE2E(true, true));

  it(`${D} updates should be reflected in volume [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('configmap-test-upd');
    await updatesCase(f, { cmName: name, podName: uniqueName('pod-configmaps'), volume: { name: 'configmap-volume', configMap: { name } }, mountPath: '/etc/configmap-volume' });
  });

  it(`${D} binary data should be reflected in volume [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('configmap-test-upd');
    const cm = dataObject('ConfigMap', name, { 'data-1': 'value-1' });
    cm.binaryData = { 'dump.bin': Buffer.from([0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xff]).toString('base64') };
    await f.create(cm);
    const podName = uniqueName('pod-configmaps');
    const mount = { name: 'configmap-volume', mountPath: '/etc/configmap-volume', readOnly: true };
    const pod = mounttestPod(podName, [{ name: 'configmap-volume', configMap: { name } }], [mount], '--break_on_expected_content=false', `--retry_time=${VOLUME_UPDATE_TIMEOUT_MS / 1000}`, '--file_content_in_loop=/etc/configmap-volume/data-1');
    pod.spec.containers.push({ name: 'configmap-volume-binary-test', image: BUSYBOX, command: ['hexdump', '-C', '/etc/configmap-volume/dump.bin'], volumeMounts: [mount] });
    await f.create(pod);
    await f.waitPod(podName, 'Running', (p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded');
    await waitForLog(f, podName, 'agnhost-container', 'value-1', VOLUME_UPDATE_TIMEOUT_MS);
    await waitForLog(f, podName, 'configmap-volume-binary-test', 'de ca fe ba d0 fe ff', VOLUME_UPDATE_TIMEOUT_MS);
    await dropPod(f, podName);
  });

  it(`${D} optional updates should be reflected in volume [NodeConformance] [Conformance]`, () => optionalUpdatesCase(f, 'ConfigMap', false, '/etc/configmap-volumes', uniqueName('pod-configmaps')));

  it(`${D} should be consumable in multiple volumes in the same pod [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('configmap-test-volume');
    await f.create(dataObject('ConfigMap', name, CONFIGMAP_DATA));
    const pod = mounttestPod(
      uniqueName('pod-configmaps'),
      [{ name: 'configmap-volume', configMap: { name } }, { name: 'configmap-volume-2', configMap: { name } }],
      [{ name: 'configmap-volume', mountPath: '/etc/configmap-volume', readOnly: true }, { name: 'configmap-volume-2', mountPath: '/etc/configmap-volume-2', readOnly: true }],
      '--file_content=/etc/configmap-volume/data-1',
    );
    pod.spec.containers[0].name = 'configmap-volume-test';
    await f.expectOutput(pod, ['content of file "/etc/configmap-volume/data-1": value-1']);
  });

  it(`${D} should be immutable if \`immutable\` field is set [Conformance]`, () => immutableCase(f, 'ConfigMap', 'immutable', CONFIGMAP_DATA));
});
