// Upstream's test/e2e/common/storage/projected_secret.go, case by case (see docs/conformance.md).
import { describe, it } from 'node:test';
import { conformanceCluster, uniqueName } from './framework.ts';
import { dataObject, fileModeRegex, mounttestPod, optionalUpdatesCase, SECRET_DATA, secretInOtherNamespaceCase } from './storage_support.ts';

const D = '[sig-storage] Projected secret';
const ROOT = '/etc/projected-secret-volume';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** doProjectedSecretE2EWithoutMapping / WithMapping: both set the mode as Projected.DefaultMode. */
  const doProjectedSecretE2E = async (secretName: string, mapped: boolean, mode?: number, fsGroup?: number, uid?: number) => {
    await f.create(dataObject('Secret', secretName, SECRET_DATA));
    const file = mapped ? `${ROOT}/new-path-data-1` : `${ROOT}/data-1`;
    const projected = { sources: [{ secret: { name: secretName, ...(mapped ? { items: [{ key: 'data-1', path: 'new-path-data-1' }] } : {}) } }], ...(mode !== undefined ? { defaultMode: mode } : {}) };
    const pod = mounttestPod(uniqueName('pod-projected-secrets'), [{ name: 'projected-secret-volume', projected }], [{ name: 'projected-secret-volume', mountPath: ROOT }], `--file_content=${file}`, `--file_mode=${file}`);
    pod.spec.containers[0].name = 'projected-secret-volume-test';
    if (fsGroup !== undefined || uid !== undefined) pod.spec.securityContext = { fsGroup, runAsUser: uid };
    await f.expectOutput(pod, [`content of file "${file}": value-1`, fileModeRegex(file, mode)]);
  };

  it(`${D} should be consumable from pods in volume [NodeConformance] [Conformance]`, () => doProjectedSecretE2E(uniqueName('projected-secret-test'), false));
  it(`${D} should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]`, () => doProjectedSecretE2E(uniqueName('projected-secret-test'), false, 0o400));
  it(`${D} should be consumable from pods in volume as non-root with defaultMode and fsGroup set [LinuxOnly] [NodeConformance] [Conformance]`, () => doProjectedSecretE2E(uniqueName('projected-secret-test'), false, 0o440, 1001, 1000));
  it(`${D} should be consumable from pods in volume with mappings [NodeConformance] [Conformance]`, () => doProjectedSecretE2E(uniqueName('projected-secret-test-map'), true));
  it(`${D} should be consumable from pods in volume with mappings and Item Mode set [LinuxOnly] [NodeConformance] [Conformance]`, () => doProjectedSecretE2E(uniqueName('projected-secret-test-map'), true, 0o400));

  it(`${D} should be able to mount in a volume regardless of a different secret existing with same name in different namespace [NodeConformance]`, () => secretInOtherNamespaceCase(f, 'projected-secret-test', (name) => doProjectedSecretE2E(name, false)));

  it(`${D} should be consumable in multiple volumes in a pod [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('projected-secret-test');
    await f.create(dataObject('Secret', name, SECRET_DATA));
    const source = { projected: { sources: [{ secret: { name } }] } };
    const file = `${ROOT}/data-1`;
    const pod = mounttestPod(
      uniqueName('pod-projected-secrets'),
      [{ name: 'projected-secret-volume', ...source }, { name: 'projected-secret-volume-2', ...source }],
      [{ name: 'projected-secret-volume', mountPath: ROOT, readOnly: true }, { name: 'projected-secret-volume-2', mountPath: `${ROOT}-2`, readOnly: true }],
      `--file_content=${file}`,
      `--file_mode=${file}`,
    );
    pod.spec.containers[0].name = 'secret-volume-test';
    await f.expectOutput(pod, [`content of file "${file}": value-1`, fileModeRegex(file)]);
  });

  it(`${D} optional updates should be reflected in volume [NodeConformance] [Conformance]`, () => optionalUpdatesCase(f, 'Secret', true, '/etc/projected-secret-volumes', uniqueName('pod-projected-secrets')));
});
