// Upstream's test/e2e/common/node/kubelet_etc_hosts.go: the kubelet writes /etc/hosts for a pod on
// the pod network, leaves it alone when a container mounts its own, and for host-network pods.
// Upstream reads the files with exec; here each container prints both files to its log once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, conformanceCluster, type Framework, type Json } from './framework.ts';

const HEADER = '# Kubernetes-managed hosts file.';
const SCRIPT = 'echo "<hosts>"; cat /etc/hosts; echo "</hosts><original>"; cat /etc/hosts-original; echo "</original>"; trap "exit 0" TERM; while true; do sleep 1; done';

const container = (name: string, etcHostsToo: boolean): Json => ({
  name,
  image: BUSYBOX,
  command: ['sh', '-c', SCRIPT],
  volumeMounts: [{ name: 'host-etc-hosts', mountPath: '/etc/hosts-original' }, ...(etcHostsToo ? [{ name: 'host-etc-hosts', mountPath: '/etc/hosts' }] : [])],
});

const pod = (name: string, containers: Json[], hostNetwork: boolean): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    ...(hostNetwork ? { hostNetwork: true, securityContext: {} } : {}),
    containers,
    volumes: [{ name: 'host-etc-hosts', hostPath: { path: '/etc/hosts', type: 'FileOrCreate' } }],
  },
});

describe('[sig-node] KubeletManagedEtcHosts', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] KubeletManagedEtcHosts should test kubelet managed /etc/hosts file [LinuxOnly] [NodeConformance] [Conformance]', async () => {
    await f.create(pod('test-pod', [container('busybox-1', false), container('busybox-2', false), container('busybox-3', true)], false));
    await f.create(pod('test-host-network-pod', [container('busybox-1', false), container('busybox-2', false)], true));
    await Promise.all([f.waitRunningReady('test-pod'), f.waitRunningReady('test-host-network-pod')]);

    /** Upstream's assertManagedStatus: managed means the header and content unlike the host's file. */
    const assertManaged = async (podName: string, name: string, expected: boolean) => {
      let hosts = '';
      let original = '';
      // Upstream retries for 30 s for the files to show up; here, for the container to have printed them.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const log = await f.logs(podName, name);
        const m = /<hosts>\n([\s\S]*)<\/hosts><original>\n([\s\S]*)<\/original>/.exec(log);
        if (m) [, hosts, original] = m;
        if ((m && hosts.length > 0 && original.length > 0) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(hosts.length > 0 && original.length > 0, `${podName}/${name} printed no /etc/hosts`);
      const managed = hosts.startsWith(HEADER) && hosts !== original;
      assert.equal(managed, expected, `/etc/hosts file should ${expected ? '' : 'not '}be kubelet managed (pod ${podName}, container ${name}). /etc/hosts contains ${JSON.stringify(hosts)}`);
    };

    // Verifying /etc/hosts of container is kubelet-managed for pod with hostNetwork=false
    await assertManaged('test-pod', 'busybox-1', true);
    await assertManaged('test-pod', 'busybox-2', true);
    // ... and not kubelet-managed since the container specifies its own /etc/hosts mount
    await assertManaged('test-pod', 'busybox-3', false);
    // ... and not kubelet-managed for pod with hostNetwork=true
    await assertManaged('test-host-network-pod', 'busybox-1', false);
    await assertManaged('test-host-network-pod', 'busybox-2', false);
  });
});
