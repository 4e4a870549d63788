// Port of upstream's test/e2e/common/node/containers.go ("Containers", all [NodeConformance]
// [Conformance]). Upstream's image is agnhost (ENTRYPOINT /agnhost, CMD pause); ours is busybox,
// whose image has CMD ["sh"] and no ENTRYPOINT, so each case asserts the same rule on it:
// - blank command and args: the image's CMD runs (`sh`, with no stdin, exits 0 at once where
//   agnhost's `pause` keeps running; a kubelet that dropped the image default would have no
//   process to start);
// - args only: they replace the image's CMD (with no ENTRYPOINT they are the whole command line);
// - command only: the image's CMD is not appended (a kubelet that appended it would print `sh`);
// - command and args: both as given.
// The command is `sh -c 'echo "[$0 $*]"'`, which prints its argument vector as agnhost's
// entrypoint-tester does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';
import { podOf } from './busybox_stand_ins.ts';

const D = '[sig-node] Containers';
const PRINT_ARGV = 'echo "[$0 $*]"';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** entrypointTestPod: restartPolicy Never, grace period 1 s. */
  const entrypointTestPod = (c: Json) => podOf(uniqueName('client-containers'), [{ name: 'agnhost-container', image: BUSYBOX, ...c }], { restartPolicy: 'Never' });
  /** e2epodoutput.TestContainerOutput: Succeeded, and each expected string in the log. */
  const output = (c: Json, want: string) => f.expectOutput(entrypointTestPod(c), [want]);

  it(`${D} should use the image defaults if command and args are blank [NodeConformance] [Conformance]`, async () => {
    const pod = entrypointTestPod({});
    await f.create(pod);
    const p = await f.waitSucceeded(pod.metadata.name);
    const t = p.status.containerStatuses[0].state.terminated;
    assert.equal(t.exitCode, 0, `the image's default command (sh) ran and exited 0: ${JSON.stringify(t)}`);
  });

  it(`${D} should be able to override the image's default arguments (container cmd) [NodeConformance] [Conformance]`, async () => {
    await output({ args: ['sh', '-c', PRINT_ARGV, '/agnhost', 'entrypoint-tester', 'override', 'arguments'] }, '[/agnhost entrypoint-tester override arguments]');
  });

  it(`${D} should be able to override the image's default command (container entrypoint) [NodeConformance] [Conformance]`, async () => {
    const out = await output({ command: ['sh', '-c', PRINT_ARGV, '/agnhost-2', 'entrypoint-tester'] }, '[/agnhost-2 entrypoint-tester]');
    assert.equal(out, '[/agnhost-2 entrypoint-tester]\n', 'the image CMD (sh) is not appended to a given command');
  });

  it(`${D} should be able to override the image's default command and arguments [NodeConformance] [Conformance]`, async () => {
    await output({ command: ['sh', '-c', PRINT_ARGV, '/agnhost-2'], args: ['entrypoint-tester', 'override', 'arguments'] }, '[/agnhost-2 entrypoint-tester override arguments]');
  });
});
