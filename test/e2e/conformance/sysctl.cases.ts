// Upstream's test/e2e/common/node/sysctl.go: namespaced sysctls set for the pod. docs/conformance.md
// has every case and its status (the API's sysctl validation and the kubelet's SysctlForbidden are
// #19's and not here).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/kubectl.ts';
import { shellPod, conformanceCluster, uniqueName, type Framework, type Json } from './framework.ts';

const sysctlPod = (name: string, sysctls: Json[], command: string[]): Json => shellPod(name, '', { securityContext: { sysctls } }, { name: 'test-container', command });

describe('[sig-node] Sysctls [LinuxOnly] [NodeConformance]', { concurrency: true }, () => {
  const f = conformanceCluster();

  /** Upstream's flow: no error event, the pod ends Succeeded, and the log shows the value set. */
  const setAndRead = async (name: string, sysctlName: string) => {
    // Upstream runs /bin/sysctl; this busybox image has the applet on the PATH only.
    await f.create(sysctlPod(name, [{ name: sysctlName, value: '1' }], ['sh', '-c', `sysctl ${sysctlName}`]));
    // Upstream's WaitForErrorEventOrSuccess: an event Killing, Failed or SysctlForbidden about the
    // pod is an error; Started ends the wait. FailedCreatePodSandBox is added here to fail at once
    // where upstream would wait out its timeout (a sandbox the runtime refuses leaves the pod Pending).
    const errorReasons = ['Killing', 'Failed', 'SysctlForbidden', 'FailedCreatePodSandBox'];
    const ev = await eventually(async () => {
      const evs = await f.events(name);
      return evs.find((e: Json) => errorReasons.includes(e.reason)) ?? evs.find((e: Json) => e.reason === 'Started');
    }, 60_000, `pod ${name}: an error event or Started`);
    assert.ok(ev.reason === 'Started', `error event ${ev.reason}: ${ev.message}`);
    const p = await f.waitPod(name, 'no longer running', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    assert.equal(p.status.phase, 'Succeeded', JSON.stringify(p.status));
    assert.ok((await f.logs(name, 'test-container')).includes('kernel.shm_rmid_forced = 1'), 'the sysctl is actually updated');
  };

  it('[sig-node] Sysctls [LinuxOnly] [NodeConformance] should support sysctls [Environment:NotInUserNS] [Conformance]', () =>
    setAndRead(uniqueName('sysctl'), 'kernel.shm_rmid_forced'));

  // "kernel/shm_rmid_forced" and "kernel.shm_rmid_forced" name the same sysctl; sysctl prints the dotted form.
  it('[sig-node] Sysctls [LinuxOnly] [NodeConformance] should support sysctls with slashes as separator [Environment:NotInUserNS]', () =>
    setAndRead(uniqueName('sysctl'), 'kernel/shm_rmid_forced'));
});
