// Upstream's test/e2e/common/node/pod_admission.go: a pod whose spec.os names another OS, bound
// straight to a Linux node, is refused by the kubelet (PodOSNotSupported) and never runs.
// docs/conformance.md has the case and its status. Upstream's container runs the pause image;
// here a busybox sleep (it never starts either way).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSYBOX, conformanceCluster, NODE, uniqueName } from './framework.ts';

describe('[sig-node] PodOSRejection [NodeConformance]', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] PodOSRejection [NodeConformance] Kubelet [LinuxOnly] should reject pod when the node OS doesn\'t match pod\'s OS', async () => {
    const name = uniqueName('wrong-pod-os');
    await f.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { os: { name: 'windows' }, nodeName: NODE, containers: [{ name: 'wrong-pod-os', image: BUSYBOX, command: ['sleep', '3600'] }] },
    });
    // Upstream's WaitForPodFailedReason: phase Failed with the reason, within PodStartShort (2 m).
    const p = await f.waitPod(name, 'Failed with PodOSNotSupported', (p) => p.status?.phase === 'Failed' && p.status?.reason === 'PodOSNotSupported', 120_000);
    assert.equal(p.status.message, "Pod was rejected: Failed to admit pod as the OS field doesn't match node OS");
  });
});
