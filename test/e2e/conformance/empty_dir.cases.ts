// Upstream's test/e2e/common/storage/empty_dir.go, case by case (see docs/conformance.md). The
// FSGroup context and "memory backed volumes of specified size" are not conformance cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSYBOX, conformanceCluster, uniqueName } from './framework.ts';
import { podOf, statusOf } from './busybox_stand_ins.ts';
import { mounttestPod } from './storage_support.ts';

const D = '[sig-storage] EmptyDir volumes';
const NON_ROOT_UID = 1001;
const FILE = '/test-volume/test-file';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** testPodWithVolume: container test-container, the emptyDir at /test-volume, SELinux level s0. */
  const emptyDirCase = async (uid: number, medium: '' | 'Memory', flags: string[], expected: string[]) => {
    const pod = mounttestPod(uniqueName('pod'), [{ name: 'test-volume', emptyDir: medium ? { medium } : {} }], [{ name: 'test-volume', mountPath: '/test-volume' }], '--fs_type=/test-volume', ...flags);
    pod.spec.containers[0].name = 'test-container';
    pod.spec.securityContext = { seLinuxOptions: { level: 's0' }, ...(uid ? { runAsUser: uid } : {}) };
    await f.expectOutput(pod, medium === 'Memory' ? [...expected, 'mount type of "/test-volume": tmpfs'] : expected);
  };
  /** doTestVolumeMode */
  const volumeMode = (uid: number, medium: '' | 'Memory') => emptyDirCase(uid, medium, ['--file_perm=/test-volume'], ['perms of file "/test-volume": -rwxrwxrwx']);
  /** doTest0644, doTest0666, doTest0777 */
  const newFile = (mode: '0644' | '0666' | '0777', perms: string) => (uid: number, medium: '' | 'Memory') =>
    emptyDirCase(uid, medium, [`--new_file_${mode}=${FILE}`, `--file_perm=${FILE}`], [`perms of file "${FILE}": ${perms}`, `content of file "${FILE}": mount-tester new file`]);
  const test0644 = newFile('0644', '-rw-r--r--');
  const test0666 = newFile('0666', '-rw-rw-rw-');
  const test0777 = newFile('0777', '-rwxrwxrwx');

  it(`${D} volume on tmpfs should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]`, () => volumeMode(0, 'Memory'));
  it(`${D} should support (root,0644,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0644(0, 'Memory'));
  it(`${D} should support (root,0666,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0666(0, 'Memory'));
  it(`${D} should support (root,0777,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0777(0, 'Memory'));
  it(`${D} should support (non-root,0644,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0644(NON_ROOT_UID, 'Memory'));
  it(`${D} should support (non-root,0666,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0666(NON_ROOT_UID, 'Memory'));
  it(`${D} should support (non-root,0777,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0777(NON_ROOT_UID, 'Memory'));
  it(`${D} volume on default medium should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]`, () => volumeMode(0, ''));
  it(`${D} should support (root,0644,default) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0644(0, ''));
  it(`${D} should support (root,0666,default) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0666(0, ''));
  it(`${D} should support (root,0777,default) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0777(0, ''));
  it(`${D} should support (non-root,0644,default) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0644(NON_ROOT_UID, ''));
  it(`${D} should support (non-root,0666,default) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0666(NON_ROOT_UID, ''));
  it(`${D} should support (non-root,0777,default) [LinuxOnly] [NodeConformance] [Conformance]`, () => test0777(NON_ROOT_UID, ''));

  it(`${D} pod should support shared volumes between containers [Conformance]`, async () => {
    // One emptyDir, mounted at a different path in each of two busybox containers: the sub
    // container writes a line into it and exits, the main one sleeps; the line is read back
    // through the main container's mount with exec.
    const message = 'Hello from the busy-box sub-container';
    const name = uniqueName('pod-sharedvolume');
    const mount = (mountPath: string) => [{ name: 'shared-data', mountPath }];
    await f.create(podOf(name, [
      { name: 'busybox-main-container', image: BUSYBOX, command: ['/bin/sh'], args: ['-c', 'trap exit TERM; while true; do sleep 1; done'], volumeMounts: mount('/usr/share/volumeshare') },
      { name: 'busybox-sub-container', image: BUSYBOX, command: ['/bin/sh'], args: ['-c', `echo ${message} > /pod-data/shareddata.txt`], volumeMounts: mount('/pod-data') },
    ], { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, volumes: [{ name: 'shared-data', emptyDir: {} }] }));
    // Upstream reads once the pod is Running; the sub container may not have written by then (the
    // main one alone makes the pod Running), so the read also waits for the writer to have exited.
    await f.waitPod(name, 'Running, the sub container exited', (p) =>
      p.status?.phase === 'Running' && statusOf(p, 'busybox-sub-container')?.state?.terminated);
    assert.equal(await f.exec(name, 'busybox-main-container', '/bin/sh', '-c', 'cat /usr/share/volumeshare/shareddata.txt'), message);
    await f.deletePod(name);
  });
});
