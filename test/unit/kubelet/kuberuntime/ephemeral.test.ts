// Ephemeral containers (kubectl debug) in the runtime manager: computePodActions' decisions
// (upstream's EphemeralContainersToStart: started once, never restarted, never killed alone, not
// started before the pod has its sandbox) and syncPod over the fake runtime (the target's PID
// namespace, events on spec.ephemeralContainers{name}, a target that is not running).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EphemeralContainer, Pod } from '../../../../src/api/core/index.ts';
import { computePodActions, ephemeralTargetID, type BackoffReader } from '../../../../src/kubelet/kuberuntime/actions.ts';
import { container, harness, newest, pod, type Harness } from './helpers.ts';

const noBackoff: BackoffReader = { get: () => 0, isInBackOffSince: () => false };

function debugger_(name: string, extra: Partial<EphemeralContainer> = {}): EphemeralContainer {
  return { ...container(name, { command: ['sh', '-c', 'sleep 3600'] }), ...extra };
}

/** A pod whose app container runs; the debugger is added after, as the subresource does. */
async function runningPod(h: Harness, spec: Partial<Pod['spec']> = {}): Promise<Pod> {
  const p = pod('web', [container('app')], spec);
  const r = await h.sync(p);
  assert.deepEqual(r.started, ['app']);
  return p;
}

async function actionsFor(h: Harness, p: Pod) {
  return computePodActions(p, await h.status(p), { backoff: noBackoff });
}

describe('computePodActions: ephemeral containers', () => {
  test('a new one is started in the running pod, nothing else changes', async () => {
    const h = harness();
    const p = await runningPod(h);
    p.spec.ephemeralContainers = [debugger_('debugger')];
    const a = await actionsFor(h, p);
    assert.deepEqual(a.ephemeralContainersToStart.map((s) => [s.container.name, s.ephemeral?.name, s.init, s.restartCount]), [['debugger', 'debugger', false, 0]]);
    assert.equal(a.createSandbox, false);
    assert.equal(a.killPod, false);
    assert.deepEqual(a.containersToStart, []);
    assert.deepEqual(a.containersToKill, []);
  });

  test('one that ran is never restarted, whatever its exit and the pod\'s policy, nor killed when it runs', async () => {
    const h = harness();
    const p = await runningPod(h);
    p.spec.ephemeralContainers = [debugger_('debugger')];
    await h.sync(p);
    assert.deepEqual((await actionsFor(h, p)).ephemeralContainersToStart, [], 'running: left alone');
    // A running ephemeral container is not compared against its spec: nothing kills it on its own.
    assert.deepEqual((await actionsFor(h, p)).containersToKill, []);
    h.cri.exit(newest(h.cri, 'debugger').id, 1);
    const a = await actionsFor(h, p);
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.deepEqual(a.ephemeralContainersToStart, [], 'exited 1 under Always: still not restarted');
    assert.equal(a.killPod, false);
  });

  test('may start before initialization completes, but not on a new sandbox nor in a pod that is done', async () => {
    const h = harness();
    const p = pod('web', [container('app')], { initContainers: [container('init', { command: ['sleep', '3600'] })] });
    await h.sync(p);
    p.spec.ephemeralContainers = [debugger_('debugger')];
    assert.deepEqual((await actionsFor(h, p)).ephemeralContainersToStart.map((s) => s.container.name), ['debugger'], 'init still running');

    const fresh = pod('fresh', [container('app')]);
    fresh.spec.ephemeralContainers = [debugger_('debugger')];
    const onNewSandbox = await actionsFor(h, fresh);
    assert.equal(onNewSandbox.createSandbox, true);
    assert.deepEqual(onNewSandbox.ephemeralContainersToStart, []);

    const h2 = harness();
    const done = await runningPod(h2, { restartPolicy: 'Never' });
    h2.cri.exit(newest(h2.cri, 'app').id, 0);
    done.spec.ephemeralContainers = [debugger_('debugger')];
    const a = computePodActions(done, await h2.status(done), { backoff: noBackoff });
    assert.equal(a.killPod, true);
    assert.deepEqual(a.ephemeralContainersToStart, [], 'the pod is being stopped: its debugger does not start');
  });

  test('the target is the running instance of targetContainerName, else an error naming it', async () => {
    const h = harness();
    const p = await runningPod(h);
    const st = await h.status(p);
    const d = debugger_('d', { targetContainerName: 'app' });
    const [start] = computePodActions({ ...p, spec: { ...p.spec, ephemeralContainers: [d] } }, st, { backoff: noBackoff }).ephemeralContainersToStart;
    assert.deepEqual(start.target, { id: newest(h.cri, 'app').id });
    assert.equal(ephemeralTargetID({ ...d, targetContainerName: undefined }, st), undefined);
    h.cri.exit(newest(h.cri, 'app').id, 0);
    assert.deepEqual(ephemeralTargetID(d, await h.status(p)), { error: 'unable to find target container app' });
  });
});

describe('syncPod: ephemeral containers', () => {
  test("with a target it joins the target's PID namespace (TARGET), events name spec.ephemeralContainers", async () => {
    const h = harness();
    const p = await runningPod(h);
    p.spec.ephemeralContainers = [debugger_('debugger', { targetContainerName: 'app' }), debugger_('plain')];
    const r = await h.sync(p);
    assert.deepEqual(r.errors, []);
    assert.deepEqual([...r.started].sort(), ['debugger', 'plain']);
    const d = newest(h.cri, 'debugger');
    assert.equal(d.state, 'CONTAINER_RUNNING');
    assert.equal(d.sandboxId, newest(h.cri, 'app').sandboxId);
    assert.deepEqual(d.config.linux?.securityContext?.namespaceOptions, { network: 'POD', pid: 'TARGET', ipc: 'POD', targetId: newest(h.cri, 'app').id });
    assert.equal(newest(h.cri, 'plain').config.linux?.securityContext?.namespaceOptions?.pid, 'CONTAINER');
    const forD = h.events.filter((e) => e.fieldPath === 'spec.ephemeralContainers{debugger}').map((e) => e.reason);
    assert.deepEqual(forD, ['Pulled', 'Created', 'Started']);
  });

  test('a pod sharing one PID namespace keeps POD for its debugger', async () => {
    const h = harness();
    const p = await runningPod(h, { shareProcessNamespace: true });
    p.spec.ephemeralContainers = [debugger_('debugger', { targetContainerName: 'app' })];
    await h.sync(p);
    assert.equal(newest(h.cri, 'debugger').config.linux?.securityContext?.namespaceOptions?.pid, 'POD');
  });

  test('a target that is not running: CreateContainerConfigError, nothing created, retried next sync', async () => {
    const h = harness();
    const p = pod('web', [container('app'), container('side')], { restartPolicy: 'Never' });
    await h.sync(p);
    h.cri.exit(newest(h.cri, 'side').id, 0);
    p.spec.ephemeralContainers = [debugger_('debugger', { targetContainerName: 'side' })];
    const r = await h.sync(p);
    assert.deepEqual(r.waiting.debugger, { reason: 'CreateContainerConfigError', message: 'unable to find target container side' });
    assert.deepEqual(h.cri.containersNamed('debugger'), []);
    assert.ok(h.events.some((e) => e.fieldPath === 'spec.ephemeralContainers{debugger}' && e.message === 'Error: unable to find target container side'));
    assert.deepEqual((await actionsFor(h, p)).ephemeralContainersToStart.map((s) => s.container.name), ['debugger']);
  });
});
