// The prober against a real containerd: exec probes through CRI ExecSync (health toggled from
// outside by creating a file, and a command that outlives its timeout) and an httpGet probe to
// busybox httpd on the pod IP. Needs root, containerd, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { realClock } from '../../src/kubelet/clock.ts';
import { ProbeManager, type ProbeUpdate } from '../../src/kubelet/prober/index.ts';
import type { ProbePodStatus } from '../../src/kubelet/prober/index.ts';
import type { In, PodSandboxConfig } from '../../src/kubelet/runtime/cri/client.ts';
import { BUSYBOX_IMAGE, startTestContainerd, type TestContainerd } from '../support/containerd.ts';

let env: TestContainerd;

async function waitFor(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('prober against containerd', { timeout: 120_000 }, () => {
  let podId = '';
  let ctrId = '';
  let podIP = '';
  let startedAt = '';
  before(async () => {
    env = await startTestContainerd();
    const uid = `uid-probe-${process.pid}`;
    const logDirectory = join(env.dir, 'pods', `default_probed_${uid}`);
    mkdirSync(join(logDirectory, 'main'), { recursive: true });
    const sb: In<PodSandboxConfig> = {
      metadata: { name: 'probed', uid, namespace: 'default', attempt: 0 },
      hostname: 'probed',
      logDirectory,
      labels: { 'io.kubernetes.pod.name': 'probed', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    podId = await env.cri.runPodSandbox(sb);
    ctrId = await env.cri.createContainer(podId, {
      metadata: { name: 'main', attempt: 0 },
      image: { image: BUSYBOX_IMAGE },
      command: ['sh', '-c', 'mkdir -p /www && httpd -f -p 8080 -h /www'],
      logPath: 'main/0.log',
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    }, sb);
    await env.cri.startContainer(ctrId);
    podIP = (await env.cri.podSandboxStatus(podId)).status?.network?.ip ?? '';
    const st = (await env.cri.containerStatus(ctrId)).status!;
    startedAt = new Date(Number(st.startedAt) / 1e6).toISOString();
  });
  after(async () => {
    if (podId) { await env.cri.stopPodSandbox(podId).catch(() => {}); await env.cri.removePodSandbox(podId).catch(() => {}); }
    await env?.stop();
  });

  test('exec and httpGet probes fail until the container becomes healthy, then succeed; a slow command times out', async () => {
    const ctl = new AbortController();
    const events: string[] = [];
    const updates: ProbeUpdate[] = [];
    const containerID = `containerd://${ctrId}`;
    const status: ProbePodStatus = { phase: 'Running', podIP, containerStatuses: [{ name: 'main', containerID, state: { running: { startedAt } } }] };
    const manager = new ProbeManager({
      runtime: env.cri,
      recorder: { event: (_p, _t, reason, message) => events.push(`${reason}: ${message}`) },
      clock: realClock,
      podStatus: () => status,
      onChange: (u) => updates.push(u),
      signal: ctl.signal,
      random: () => 0,
    });
    try {
      manager.addPod({
        metadata: { name: 'probed', namespace: 'default', uid: 'uid-1' },
        spec: {
          containers: [{
            name: 'main',
            ports: [{ name: 'web', containerPort: 8080 }],
            readinessProbe: { exec: { command: ['cat', '/tmp/health'] }, periodSeconds: 1, failureThreshold: 1 },
            startupProbe: { httpGet: { path: '/index.html', port: 'web' }, periodSeconds: 1, failureThreshold: 100 },
            livenessProbe: { exec: { command: ['sleep', '3'] }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 100 },
          }],
        },
      });
      // Startup (httpGet) fails with 404 until the page exists; readiness and liveness wait for it.
      await waitFor('a failed startup probe', () => events.some((e) => e.startsWith('Unhealthy: Startup probe failed: HTTP probe failed with statuscode: 404')));
      assert.equal(manager.startup(containerID), false);
      assert.equal(manager.readiness(containerID), false);
      assert.ok(!events.some((e) => e.includes('Readiness') || e.includes('Liveness')), events.join('\n'));
      await env.cri.execSync(ctrId, ['sh', '-c', 'echo ok > /www/index.html'], 5);
      await waitFor('startup success', () => manager.startup(containerID) === true);

      // Readiness (exec cat /tmp/health) fails until the file exists.
      await waitFor('a failed readiness probe', () => events.some((e) => e.startsWith('Unhealthy: Readiness probe failed: cat: can\'t open \'/tmp/health\'')));
      assert.equal(manager.readiness(containerID), false);
      await env.cri.execSync(ctrId, ['touch', '/tmp/health'], 5);
      await waitFor('readiness', () => manager.readiness(containerID) === true);
      assert.ok(updates.some((u) => u.probeType === 'Readiness' && u.result === 'success' && u.containerId === containerID));

      // Liveness runs `sleep 3` with a 1 s timeout: a timeout failure, the container still counted live.
      await waitFor('a liveness timeout', () => events.includes('Unhealthy: Liveness probe failed: command "sleep 3" timed out'), 20_000);
      assert.equal(manager.livenessFailed(containerID), false);

      await env.cri.execSync(ctrId, ['rm', '/tmp/health'], 5);
      await waitFor('unready again', () => manager.readiness(containerID) === false);
      assert.match(manager.renderMetrics(), /prober_probe_total\{container="main",namespace="default",pod="probed",pod_uid="uid-1",probe_type="Readiness",result="successful"\} [1-9]/);
    } finally {
      ctl.abort();
      await manager.drained();
    }
    assert.equal(manager.workerCount, 0);
  });
});
