// Upstream's test/e2e/common/storage/host_path.go, case by case (see docs/conformance.md). As
// upstream, the volume is the node's /tmp (the test process and the kubelet share the machine).
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { conformanceCluster, uniqueName, type Json } from './framework.ts';
import { mounttestContainer } from './storage_support.ts';

const D = '[sig-storage] HostPath';
const FILE = '/test-volume/test-file';

describe(D, { concurrency: true }, () => {
  // upstream's BeforeEach: no test-file left from an earlier run.
  const f = conformanceCluster(() => rm('/tmp/test-file', { force: true }));
  after(async () => {
    await rm('/tmp/test-file', { force: true });
    await rm('/tmp/sub-path', { recursive: true, force: true });
  });

  /** testPodWithHostVol: two containers mounting hostPath /tmp at /test-volume. */
  const hostPathPod = (privileged: boolean, c1: Json, c2: Json): Json => {
    for (const c of [c1, c2]) c.securityContext = { privileged };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: uniqueName('pod-host-path-test') },
      spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, volumes: [{ name: 'test-volume', hostPath: { path: '/tmp' } }], containers: [c1, c2] },
    };
  };
  const mount = (subPath?: string) => [{ name: 'test-volume', mountPath: '/test-volume', ...(subPath ? { subPath } : {}) }];

  it(`${D} should give a volume the correct mode [LinuxOnly] [NodeConformance]`, async () => {
    const pod = hostPathPod(false, mounttestContainer('test-container-1', mount(), '--fs_type=/test-volume', '--file_mode=/test-volume'), mounttestContainer('test-container-2', mount()));
    // we expect the sticky bit (mode flag t) to be set for the dir
    await f.expectOutput(pod, [/mode of file "\/test-volume": dg?trwxrwx/]);
  });

  it(`${D} should support r/w [NodeConformance]`, async () => {
    const pod = hostPathPod(
      true,
      mounttestContainer('test-container-1', mount(), `--new_file_0644=${FILE}`, `--file_mode=${FILE}`),
      mounttestContainer('test-container-2', mount(), `--file_content_in_loop=${FILE}`, '--retry_time=180'),
    );
    // Read the content of the file with the second container to verify volumes being shared
    // properly among containers within the pod.
    await f.expectOutput(pod, [`content of file "${FILE}": mount-tester new file`], 'test-container-2');
  });

  it(`${D} should support subPath [NodeConformance]`, async () => {
    const reader = '/test-volume/sub-path/test-file';
    const pod = hostPathPod(
      true,
      // Write the file in the subPath from container 0
      mounttestContainer('test-container-1', mount('sub-path'), `--new_file_0644=${FILE}`, `--file_mode=${FILE}`),
      // Read it from outside the subPath from container 1
      mounttestContainer('test-container-2', mount(), `--file_content_in_loop=${reader}`, '--retry_time=180'),
    );
    await f.expectOutput(pod, [`content of file "${reader}": mount-tester new file`], 'test-container-2');
  });
});
