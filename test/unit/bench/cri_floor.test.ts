import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRuntimeJson } from '../../../bench/lib/cri-floor.ts';

test('the floor reads containerd\'s verbose config back into the CRI client\'s shape: camelCase fields, map keys kept', () => {
  const verbose = {
    metadata: { name: 'web', uid: 'u1', namespace: 'default' },
    log_directory: '/var/log/pods/default_web_u1',
    labels: { 'io.kubernetes.pod.uid': 'u1', some_label: 'x' },
    linux: { cgroup_parent: '/kubepods/besteffort/podu1', sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' }, security_context: { namespace_options: { pid: 1 }, run_as_user: { value: 0 } } },
    mounts: [{ container_path: '/etc/hosts', host_path: '/pods/u1/etc-hosts' }],
  };
  assert.deepEqual(fromRuntimeJson(verbose), {
    metadata: { name: 'web', uid: 'u1', namespace: 'default' },
    logDirectory: '/var/log/pods/default_web_u1',
    labels: { 'io.kubernetes.pod.uid': 'u1', some_label: 'x' },
    linux: { cgroupParent: '/kubepods/besteffort/podu1', sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' }, securityContext: { namespaceOptions: { pid: 1 }, runAsUser: { value: 0 } } },
    mounts: [{ containerPath: '/etc/hosts', hostPath: '/pods/u1/etc-hosts' }],
  });
});
