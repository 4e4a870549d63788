// Upstream's test/e2e/common/node/privileged.go: a privileged container may create a network link,
// an unprivileged one in the same pod may not. Upstream runs the commands with exec; here each
// container runs them once itself and prints the outcome.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, conformanceCluster, type Framework, type Json } from './framework.ts';

// Upstream adds a link of type dummy; this machine's kernel has no dummy link type ("Operation not
// supported" even to root, checked in a fresh network namespace), so the link is a veth pair, which
// needs the same capability (CAP_NET_ADMIN). It lives in the pod's network namespace; the
// privileged container removes it again, as upstream does.
const SCRIPT = 'if ip link add dummy1 type veth peer name dummy1p; then echo "add: ok"; ip link del dummy1 && echo "del: ok"; else echo "add: failed"; fi; trap "exit 0" TERM; while true; do sleep 1; done';

const container = (name: string, privileged: boolean): Json => ({
  name,
  image: BUSYBOX,
  imagePullPolicy: 'IfNotPresent',
  securityContext: { privileged },
  command: ['sh', '-c', SCRIPT],
});

describe('[sig-node] PrivilegedPod [NodeConformance]', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] PrivilegedPod [NodeConformance] should enable privileged commands [LinuxOnly]', async () => {
    await f.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged-pod' },
      spec: { terminationGracePeriodSeconds: 1, containers: [container('privileged-container', true), container('not-privileged-container', false)] },
    });
    await f.waitRunningReady('privileged-pod');
    const outcome = async (c: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const log = await f.logs('privileged-pod', c);
        if (/add: (ok|failed)/.test(log) && (!log.includes('add: ok') || log.includes('del: ok'))) return log;
        if (Date.now() > deadline) return log;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const priv = await outcome('privileged-container');
    assert.match(priv, /add: ok\n/, `the privileged container could not add a link: ${priv}`);
    assert.match(priv, /del: ok\n/, `could not remove dummy1 link: ${priv}`);
    const unpriv = await outcome('not-privileged-container');
    assert.match(unpriv, /add: failed\n/, `the unprivileged container added a link: ${unpriv}`);
  });
});
