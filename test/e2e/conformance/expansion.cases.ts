// Port of upstream's test/e2e/common/node/expansion.go ("Variable Expansion"): its
// [NodeConformance] cases and the [Conformance] subpath ones ("should succeed in writing subpaths
// in container" writes and checks its file through `kubectl exec`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';
import { podOf } from './busybox_stand_ins.ts';

const D = '[sig-node] Variable Expansion';
const POD_START_SHORT_TIMEOUT = 60_000; // upstream's framework.PodStartShortTimeout is 2 minutes

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** Upstream's newPod: one busybox container "dapi-container", restartPolicy Never. */
  const newPod = (command: string[] | undefined, env: Json[], volumeMounts?: Json[], volumes?: Json[]) => {
    const name = uniqueName('var-expansion');
    return podOf(name, [{ name: 'dapi-container', image: BUSYBOX, ...(command ? { command } : {}), env, ...(volumeMounts ? { volumeMounts } : {}) }],
      { restartPolicy: 'Never', ...(volumes ? { volumes } : {}) }, { labels: { name } });
  };
  const workdir = [{ name: 'workdir1', emptyDir: {} }];
  /**
   * The pod of the two annotation cases: the whole volume at /volume_mount and, at
   * /subpath_mount, the subpath "$(ANNOTATION)/$(POD_NAME)": the mysubpath annotation, then "foo".
   */
  const annotatedSubpathPod = (annotations: Record<string, string>) => {
    const pod = newPod(['sh', '-c', 'tail -f /dev/null'], [
      { name: 'POD_NAME', value: 'foo' },
      { name: 'ANNOTATION', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['mysubpath']" } } },
    ], [
      { name: 'workdir1', mountPath: '/subpath_mount', subPathExpr: '$(ANNOTATION)/$(POD_NAME)' },
      { name: 'workdir1', mountPath: '/volume_mount' },
    ], workdir);
    pod.metadata.annotations = annotations;
    return pod;
  };
  /** testPodFailSubpath: the container must fail with CreateContainerConfigError. */
  const testPodFailSubpath = async (pod: Json) => {
    await f.create(pod);
    await f.waitPod(pod.metadata.name, 'container waiting with CreateContainerConfigError',
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError', POD_START_SHORT_TIMEOUT);
    await f.deletePod(pod.metadata.name);
  };

  it(`${D} should allow composing env vars into new env vars [NodeConformance] [Conformance]`, async () => {
    await f.expectOutput(newPod(['sh', '-c', 'env'], [
      { name: 'FOO', value: 'foo-value' },
      { name: 'BAR', value: 'bar-value' },
      { name: 'FOOBAR', value: '$(FOO);;$(BAR)' },
    ]), ['FOO=foo-value', 'BAR=bar-value', 'FOOBAR=foo-value;;bar-value']);
  });

  it(`${D} should allow substituting values in a container's command [NodeConformance] [Conformance]`, async () => {
    await f.expectOutput(newPod(['sh', '-c', 'TEST_VAR=wrong echo "$(TEST_VAR)"'], [{ name: 'TEST_VAR', value: 'test-value' }]), ['test-value']);
  });

  it(`${D} should allow substituting values in a container's args [NodeConformance] [Conformance]`, async () => {
    const pod = newPod(['sh', '-c'], [{ name: 'TEST_VAR', value: 'test-value' }]);
    pod.spec.containers[0].args = ['TEST_VAR=wrong echo "$(TEST_VAR)"'];
    await f.expectOutput(pod, ['test-value']);
  });

  it(`${D} should allow substituting values in a volume subpath [Conformance]`, async () => {
    const pod = newPod([], [{ name: 'POD_NAME', value: 'foo' }], [
      { name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' },
      { name: 'workdir1', mountPath: '/testcontainer' },
    ], workdir);
    const c = pod.spec.containers[0];
    c.env[0].value = pod.metadata.name;
    c.command = ['sh', '-c', `test -d /testcontainer/${pod.metadata.name};echo $?`];
    await f.expectOutput(pod, ['0']);
  });

  it(`${D} should fail substituting values in a volume subpath with backticks [Slow] [Conformance]`, async () => {
    await testPodFailSubpath(newPod(undefined, [{ name: 'POD_NAME', value: '..' }], [{ name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' }], workdir));
  });

  it(`${D} should fail substituting values in a volume subpath with absolute path [Slow] [Conformance]`, async () => {
    await testPodFailSubpath(newPod(undefined, [{ name: 'POD_NAME', value: '/tmp' }], [{ name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' }], workdir));
  });

  it(`${D} should verify that a failing subpath expansion can be modified during the lifecycle of a container [Slow] [Conformance]`, async () => {
    const pod = annotatedSubpathPod({ notmysubpath: 'mypath' });
    const name = pod.metadata.name;
    await f.create(pod);
    // Upstream expects the pod not to be Running within 2 minutes. Without the annotation the
    // subpath is "/foo", which must not start: the kubelet tries within a second of the pod's
    // arrival and again on every sync, so a kubelet that accepts it runs the container within a
    // few seconds. 20 s of the container waiting shows it refused.
    await f.waitPod(name, 'the container waiting', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason);
    const until = Date.now() + 20_000;
    do {
      assert.notEqual((await f.pod(name)).status?.phase, 'Running', 'the pod must not run with subpath "/foo"');
      await new Promise((r) => setTimeout(r, 1000));
    } while (Date.now() < until);
    await f.kubectl('annotate', 'pod', name, 'mysubpath=mypath');
    await f.waitPod(name, 'Running', (p) => p.status?.phase === 'Running', POD_START_SHORT_TIMEOUT);
    await f.deletePod(name);
  });

  it(`${D} should succeed in writing subpaths in container [Slow] [Conformance]`, async () => {
    const pod = annotatedSubpathPod({ mysubpath: 'mypath' });
    const name = pod.metadata.name;
    await f.create(pod);
    await f.waitPod(name, 'Running', (p) => p.status?.phase === 'Running', POD_START_SHORT_TIMEOUT);

    // A file made through the whole volume at mypath/foo is the one the expanded subpath mounts.
    await f.exec(name, undefined, 'sh', '-c', 'touch /volume_mount/mypath/foo/test.log')
      .catch((e) => assert.fail(`expected to be able to write to subpath: ${e.message}`));
    await f.exec(name, undefined, 'sh', '-c', 'test -f /subpath_mount/test.log')
      .catch((e) => assert.fail(`expected to be able to verify file: ${e.message}`));

    // The expansion was made at container start: a new annotation value leaves the pod running.
    await f.kubectl('annotate', 'pod', name, '--overwrite', 'mysubpath=mynewpath');
    await f.waitPod(name, 'Running after the annotation changed', (p) => p.status?.phase === 'Running' && p.metadata.annotations?.mysubpath === 'mynewpath', POD_START_SHORT_TIMEOUT);
    await f.deletePod(name);
  });
});
