// Upstream's test/e2e/common/storage/secrets_volume.go, case by case (see docs/conformance.md).
import { describe, it } from 'node:test';
import { conformanceCluster, uniqueName } from './framework.ts';
import { dataObject, fileModeRegex, immutableCase, mounttestPod, optionalUpdatesCase, SECRET_DATA, secretInOtherNamespaceCase } from './storage_support.ts';

const D = '[sig-storage] Secrets';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** doSecretE2EWithoutMapping */
  const withoutMapping = async (secretName: string, defaultMode?: number, fsGroup?: number, uid?: number) => {
    await f.create(dataObject('Secret', secretName, SECRET_DATA));
    const file = '/etc/secret-volume/data-1';
    const pod = mounttestPod(uniqueName('pod-secrets'), [{ name: 'secret-volume', secret: { secretName, ...(defaultMode !== undefined ? { defaultMode } : {}) } }], [{ name: 'secret-volume', mountPath: '/etc/secret-volume' }], `--file_content=${file}`, `--file_mode=${file}`);
    pod.spec.containers[0].name = 'secret-volume-test';
    if (fsGroup !== undefined || uid !== undefined) pod.spec.securityContext = { fsGroup, runAsUser: uid };
    await f.expectOutput(pod, [`content of file "${file}": value-1`, fileModeRegex(file, defaultMode)]);
  };

  /** doSecretE2EWithMapping */
  const withMapping = async (mode?: number) => {
    const secretName = uniqueName('secret-test-map');
    await f.create(dataObject('Secret', secretName, SECRET_DATA));
    const file = '/etc/secret-volume/new-path-data-1';
    const items = [{ key: 'data-1', path: 'new-path-data-1', ...(mode !== undefined ? { mode } : {}) }];
    const pod = mounttestPod(uniqueName('pod-secrets'), [{ name: 'secret-volume', secret: { secretName, items } }], [{ name: 'secret-volume', mountPath: '/etc/secret-volume' }], `--file_content=${file}`, `--file_mode=${file}`);
    pod.spec.containers[0].name = 'secret-volume-test';
    await f.expectOutput(pod, [`content of file "${file}": value-1`, fileModeRegex(file, mode)]);
  };

  it(`${D} should be consumable from pods in volume [NodeConformance] [Conformance]`, () => withoutMapping(uniqueName('secret-test')));
  it(`${D} should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]`, () => withoutMapping(uniqueName('secret-test'), 0o400));
  it(`${D} should be consumable from pods in volume as non-root with defaultMode and fsGroup set [LinuxOnly] [NodeConformance] [Conformance]`, () => withoutMapping(uniqueName('secret-test'), 0o440, 1001, 1000));
  it(`${D} should be consumable from pods in volume with mappings [NodeConformance] [Conformance]`, () => withMapping());
  it(`${D} should be consumable from pods in volume with mappings and Item Mode set [LinuxOnly] [NodeConformance] [Conformance]`, () => withMapping(0o400));

  it(`${D} should be able to mount in a volume regardless of a different secret existing with same name in different namespace [NodeConformance] [Conformance]`, () => secretInOtherNamespaceCase(f, 'secret-test', (name) => withoutMapping(name)));

  it(`${D} should be consumable in multiple volumes in a pod [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('secret-test');
    await f.create(dataObject('Secret', name, SECRET_DATA));
    const file = '/etc/secret-volume/data-1';
    const pod = mounttestPod(
      uniqueName('pod-secrets'),
      [{ name: 'secret-volume', secret: { secretName: name } }, { name: 'secret-volume-2', secret: { secretName: name } }],
      [{ name: 'secret-volume', mountPath: '/etc/secret-volume', readOnly: true }, { name: 'secret-volume-2', mountPath: '/etc/secret-volume-2', readOnly: true }],
      `--file_content=${file}`,
      `--file_mode=${file}`,
    );
    pod.spec.containers[0].name = 'secret-volume-test';
    await f.expectOutput(pod, [`content of file "${file}": value-1`, fileModeRegex(file)]);
  });

  it(`${D} optional updates should be reflected in volume [NodeConformance] [Conformance]`, () => optionalUpdatesCase(f, 'Secret', false, '/etc/secret-volumes', uniqueName('pod-secrets')));

  it(`${D} should be immutable if \`immutable\` field is set [Conformance]`, () => immutableCase(f, 'Secret', 'immutable', SECRET_DATA));
});
