// Port of upstream's test/e2e/common/node/kubelet.go ("Kubelet"), all [NodeConformance]. agnhost's
// etc-hosts command (it prints /etc/hosts) is `cat /etc/hosts`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/kubectl.ts';
import { BUSYBOX, type Framework, conformanceCluster, uniqueName } from './framework.ts';
import { cleanup, podOf } from './busybox_stand_ins.ts';

const D = '[sig-node] Kubelet';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  const never = (name: string, command: string[], extra = {}) =>
    podOf(name, [{ image: BUSYBOX, name, command, ...extra }], { restartPolicy: 'Never' });
  /** Upstream polls the log every 4 s for a minute until it equals the expected text. */
  const logEquals = (name: string, want: string) =>
    eventually(async () => (await f.logs(name).catch(() => '')) === want, 60_000, `the log of ${name} to be ${JSON.stringify(want)}`)
      .catch(async (e) => { throw new Error(`${e.message}; it is ${JSON.stringify(await f.logs(name).catch(() => ''))}`); });

  it(`${D} when scheduling a busybox command in a pod should print the output to logs [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('busybox-scheduling');
    await f.create(never(name, ['sh', '-c', "echo 'Hello World' ; sleep 240"]));
    await f.waitRunningReady(name);
    // Upstream reads with sinceTime an hour ago; the whole log is the same text.
    const since = new Date(Date.now() - 3600_000).toISOString();
    await eventually(async () => (await f.kubectl('logs', name, `--since-time=${since}`)) === 'Hello World\n', 60_000, 'the log since an hour ago');
    await logEquals(name, 'Hello World\n');
    await cleanup(f, name);
  });

  const binFalse = async () => {
    const name = uniqueName('bin-false');
    await f.create(never(name, ['/bin/false']));
    return name;
  };

  it(`${D} when scheduling a busybox command that always fails in a pod should have an terminated reason [NodeConformance] [Conformance]`, async () => {
    const name = await binFalse();
    const p = await f.waitPod(name, 'one container, terminated with a reason', (x) => {
      const t = x.status?.containerStatuses?.length === 1 && x.status.containerStatuses[0].state?.terminated;
      return t && t.exitCode !== 0 && t.reason;
    });
    assert.equal(p.status.containerStatuses.length, 1, 'expected only one container in the pod');
    await cleanup(f, name);
  });

  it(`${D} when scheduling a busybox command that always fails in a pod should be possible to delete [NodeConformance] [Conformance]`, async () => {
    const name = await binFalse();
    await f.deletePod(name);
  });

  it(`${D} when scheduling an agnhost Pod with hostAliases should write entries to /etc/hosts [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('agnhost-host-aliases');
    const pod = never(name, ['cat', '/etc/hosts']);
    pod.spec.hostAliases = [{ ip: '123.45.67.89', hostnames: ['foo', 'bar'] }];
    await f.create(pod);
    await f.waitPod(name, 'no longer running', (x) => ['Succeeded', 'Failed'].includes(x.status?.phase));
    const hosts = await f.logs(name);
    assert.ok(hosts.includes('123.45.67.89\tfoo\tbar'), `expected hosts file to contain entries from HostAliases. Got:\n${hosts}`);
    await cleanup(f, name);
  });

  it(`${D} when scheduling a read only busybox container should not write to root filesystem [LinuxOnly] [NodeConformance] [Conformance]`, async () => {
    const name = uniqueName('busybox-readonly-fs');
    await f.create(never(name, ['/bin/sh', '-c', 'echo test > /file; sleep 240'], { securityContext: { readOnlyRootFilesystem: true } }));
    await f.waitRunningReady(name);
    await logEquals(name, '/bin/sh: can\'t create /file: Read-only file system\n');
    await cleanup(f, name);
  });
});
