// Upstream's test/e2e/common/storage/projected_configmap.go, case by case (see docs/conformance.md).
import { describe, it } from 'node:test';
import { conformanceCluster, uniqueName } from './framework.ts';
import { CONFIGMAP_DATA, dataObject, fileModeRegex, mounttestPod, optionalUpdatesCase, updatesCase } from './storage_support.ts';

const D = '[sig-storage] Projected configMap';
const ROOT = '/etc/projected-configmap-volume';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** doProjectedConfigMapE2EWithoutMappings / WithMappings: both set the mode as Projected.DefaultMode. */
  const doProjectedConfigMapE2E = async (mapped: boolean, asUser: boolean, mode?: number) => {
    const name = uniqueName(mapped ? 'projected-configmap-test-volume-map' : 'projected-configmap-test-volume');
    await f.create(dataObject('ConfigMap', name, CONFIGMAP_DATA));
    const file = mapped ? `${ROOT}/path/to/data-2` : `${ROOT}/data-1`;
    const projected = { sources: [{ configMap: { name, ...(mapped ? { items: [{ key: 'data-2', path: 'path/to/data-2' }] } : {}) } }], ...(mode !== undefined ? { defaultMode: mode } : {}) };
    const pod = mounttestPod(uniqueName('pod-projected-configmaps'), [{ name: 'projected-configmap-volume', projected }], [{ name: 'projected-configmap-volume', mountPath: ROOT, readOnly: true }], `--file_content=${file}`, `--file_mode=${file}`);
    if (asUser) pod.spec.securityContext = { runAsUser: 1000 };
    await f.expectOutput(pod, [`content of file "${file}": ${mapped ? 'value-2' : 'value-1'}`, fileModeRegex(file, mode)]);
  };

  it(`${D} should be consumable from pods in volume [NodeConformance] [Conformance]`, () => doProjectedConfigMapE2E(false, false));
  it(`${D} should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]`, () => doProjectedConfigMapE2E(false, false, 0o400));
  it(`${D} should be consumable from pods in volume as non-root [NodeConformance] [Conformance]`, () => doProjectedConfigMapE2E(false, true));
  it(`${D} should be consumable from pods in volume with mappings [NodeConformance] [Conformance]`, () => doProjectedConfigMapE2E(true, false));
  it(`${D} should be consumable from pods in volume with mappings and Item mode set [LinuxOnly] [NodeConformance] [Conformance]`, () => doProjectedConfigMapE2E(true, false, 0o400));
  it(`${D} should be consumable from pods in volume with mappings as non-root [NodeConformance] [Conformance]`, () => doProjectedConfigMapE2E(true, true));

  it(`${D} updates should be reflected in volume [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('projected-configmap-test-upd');
    await updatesCase(f, { cmName: name, podName: uniqueName('pod-projected-configmaps'), volume: { name: 'projected-configmap-volume', projected: { sources: [{ configMap: { name } }] } }, mountPath: ROOT });
  });

  it(`${D} optional updates should be reflected in volume [NodeConformance] [Conformance]`, () => optionalUpdatesCase(f, 'ConfigMap', true, '/etc/projected-configmap-volumes', uniqueName('pod-projected-configmaps')));

  it(`${D} should be consumable in multiple volumes in the same pod [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('projected-configmap-test-volume');
    await f.create(dataObject('ConfigMap', name, CONFIGMAP_DATA));
    const source = { projected: { sources: [{ configMap: { name } }] } };
    const pod = mounttestPod(
      uniqueName('pod-projected-configmaps'),
      [{ name: 'projected-configmap-volume', ...source }, { name: 'projected-configmap-volume-2', ...source }],
      [{ name: 'projected-configmap-volume', mountPath: ROOT, readOnly: true }, { name: 'projected-configmap-volume-2', mountPath: `${ROOT}-2`, readOnly: true }],
      `--file_content=${ROOT}/data-1`,
    );
    pod.spec.containers[0].name = 'projected-configmap-volume-test';
    await f.expectOutput(pod, [`content of file "${ROOT}/data-1": value-1`]);
  });
});
