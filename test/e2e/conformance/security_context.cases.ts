// Upstream's test/e2e/common/node/security_context.go: runAsUser, readOnlyRootFilesystem,
// privileged and allowPrivilegeEscalation as the container sees them. docs/conformance.md has every
// case and its status (user namespaces, runAsNonRoot and supplemental-group policies are not here).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shellPod, conformanceCluster, uniqueName, type Framework, type Json } from './framework.ts';

/** Upstream's makeUserPod shape: one container named after the pod, restartPolicy Never. */
const scPod = (name: string, script: string, securityContext: Json): Json => shellPod(name, script, {}, { name, securityContext });

describe('[sig-node] Security Context', { concurrency: true }, () => {
  const f = conformanceCluster();

  const runAsUser = async (uid: number) => {
    const name = uniqueName(`busybox-user-${uid}`);
    await f.create(scPod(name, `test $(id -u) -eq ${uid}`, { runAsUser: uid }));
    await f.waitSucceeded(name);
  };

  it('[sig-node] Security Context When creating a container with runAsUser should run the container with uid 65534 [LinuxOnly] [NodeConformance] [Conformance]', () => runAsUser(65534));

  it('[sig-node] Security Context When creating a container with runAsUser should run the container with uid 0 [LinuxOnly] [NodeConformance]', () => runAsUser(0));

  it('[sig-node] Security Context When creating a pod with readOnlyRootFilesystem should run the container with readonly rootfs when readOnlyRootFilesystem=true [LinuxOnly] [NodeConformance]', async () => {
    const name = uniqueName('busybox-readonly-true');
    await f.create(scPod(name, 'touch checkfile', { readOnlyRootFilesystem: true }));
    // Upstream's waitForFailure: Failed, and Succeeded is an error.
    const p = await f.waitPod(name, 'Succeeded or Failed', (p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
    assert.equal(p.status.phase, 'Failed', `pod ${name} succeeded with reason: ${p.status.reason}, message: ${p.status.message}`);
  });

  it('[sig-node] Security Context When creating a pod with readOnlyRootFilesystem should run the container with writable rootfs when readOnlyRootFilesystem=false [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('busybox-readonly-false');
    await f.create(scPod(name, 'touch checkfile', { readOnlyRootFilesystem: false }));
    await f.waitSucceeded(name);
  });

  it('[sig-node] Security Context When creating a pod with privileged should run the container as unprivileged when false [LinuxOnly] [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('busybox-privileged-false');
    await f.create(scPod(name, 'ip link add dummy0 type dummy || true', { privileged: false }));
    await f.waitSucceeded(name);
    const logs = await f.logs(name, name);
    assert.ok(logs.includes('Operation not permitted'), `unprivileged container shouldn't be able to create dummy device: ${JSON.stringify(logs)}`);
  });

  // Upstream runs its nonewprivs image, a setuid-root binary printing "Effective uid: N", as uid
  // 1000. Busybox is the only image here and drops setuid privileges itself (checked: a setuid-root
  // busybox run as nobody reports uid 65534 for every applet), so the cases read the kernel flag
  // that allowPrivilegeEscalation sets instead: NoNewPrivs in /proc/self/status (1 blocks a setuid
  // binary from raising the effective uid, 0 lets it), beside the uid the container runs as.
  const escalation = async (name: string, allowPrivilegeEscalation: boolean | undefined, expectNoNewPrivs: 0 | 1) => {
    await f.create(scPod(name, 'echo "uid: $(id -u)"; grep NoNewPrivs /proc/self/status', { runAsUser: 1000, ...(allowPrivilegeEscalation === undefined ? {} : { allowPrivilegeEscalation }) }));
    await f.waitSucceeded(name);
    const logs = await f.logs(name, name);
    assert.match(logs, /uid: 1000\n/);
    assert.match(logs, new RegExp(`NoNewPrivs:\\s+${expectNoNewPrivs}\\b`), `allowPrivilegeEscalation=${allowPrivilegeEscalation}: ${logs}`);
  };

  it('[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should allow privilege escalation when not explicitly set and uid != 0 [LinuxOnly] [NodeConformance]', () =>
    escalation(uniqueName('alpine-nnp-nil'), undefined, 0));

  it('[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should not allow privilege escalation when false [LinuxOnly] [NodeConformance] [Conformance]', () =>
    escalation(uniqueName('alpine-nnp-false'), false, 1));

  it('[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should allow privilege escalation when true [LinuxOnly] [NodeConformance]', () =>
    escalation(uniqueName('alpine-nnp-true'), true, 0));
});
