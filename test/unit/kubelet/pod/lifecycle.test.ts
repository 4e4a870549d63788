// Pod sync (PodSyncer: SyncPod / SyncTerminatingPod / SyncTerminatedPod) on the fake runtime:
// a pod is run, reported, terminated and cleaned up; a cancelled sync gives up an image pull or
// a postStart hook (exec or HTTP) at once, while a pull another pod waits for carries on.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Pod } from '../../../../src/api/core/index.ts';
import { FakeClock, settle } from '../../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../../src/kubelet/log.ts';
import { PodSyncer } from '../../../../src/kubelet/pod/lifecycle.ts';
import { PodManager } from '../../../../src/kubelet/pod/manager.ts';
import { ProbeManager } from '../../../../src/kubelet/prober/index.ts';
import { StatusManager } from '../../../../src/kubelet/status/index.ts';
import { VolumeManager } from '../../../../src/kubelet/volume/index.ts';
import { GatedRuntime, until } from '../gated_runtime.ts';
import { makeDeps, type RecordedEvent } from '../kuberuntime/helpers.ts';

const notUsed = () => Promise.reject(new Error('not used'));

function setup() {
  const clock = new FakeClock();
  const cri = new GatedRuntime({ now: () => clock.now() });
  cri.addImage('localhost/busybox:1.35');
  cri.registry.set('localhost/slow:1', { size: 5_000_000 });
  const events: RecordedEvent[] = [];
  const fetches: { url: string; signal?: AbortSignal }[] = [];
  const runtime = {
    ...makeDeps(cri, clock, events, new Map(), new Map()),
    // An HTTP hook's server that never answers.
    fetch: (url: string, _headers: Record<string, string>, signal?: AbortSignal) => {
      fetches.push({ url, signal });
      return new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    },
  };
  const rootDir = mkdtempSync(join(tmpdir(), 'berth-lifecycle-'));
  const status = new StatusManager({ client: { getPod: notUsed, patchPodStatus: notUsed, deletePod: notUsed }, clock, log: silentLogger });
  const stop = new AbortController();
  const prober = new ProbeManager({ runtime: cri, recorder: runtime.recorder, clock, signal: stop.signal, podStatus: (uid) => status.peekPodStatus(uid) });
  const volumes = new VolumeManager({ rootDir, objects: { getSecret: notUsed, getConfigMap: notUsed, requestServiceAccountToken: notUsed }, clock });
  const syncer = new PodSyncer({
    runtime, volumes, status, prober, pods: new PodManager(), node: () => ({ name: 'node-1', ips: ['192.168.1.10'] }),
    rootDir, clusterDomain: 'cluster.local', syncFrequencyMs: 60_000, clock, log: silentLogger,
  });
  return { clock, cri, events, fetches, rootDir, status, syncer, stop, runtime };
}

function pod(name: string, container: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst',
      containers: [{ name: 'app', image: 'localhost/busybox:1.35', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], ...container }],
    },
  };
}

/** Resolves to how long (real ms) the promise took to settle once the controller aborted. */
async function settlesAfterAbort(p: Promise<unknown>, controller: AbortController, hanging: () => boolean): Promise<number> {
  let settled = false;
  void p.then(() => (settled = true), () => (settled = true));
  await until(hanging, 'the sync to hang');
  await settle();
  assert.equal(settled, false, 'the sync hangs until it is cancelled');
  const t0 = performance.now();
  controller.abort();
  await p.catch(() => {});
  return performance.now() - t0;
}

describe('pod sync', () => {
  it('runs a pod, reports it, terminates it and cleans it up', async () => {
    const { cri, status, syncer, rootDir } = setup();
    const p = pod('web');
    const outcome = await syncer.syncPod(p, new AbortController().signal);
    assert.ok(outcome.resyncAfterMs! >= 60_000, 'a settled pod is synced again after --sync-frequency');
    assert.equal(cri.containersNamed('app')[0]?.state, 'CONTAINER_RUNNING');
    assert.equal(status.getPodStatus('uid-web')?.phase, 'Running');
    assert.ok(existsSync(join(rootDir, 'pods', 'uid-web')));

    await syncer.terminatePod(p, 0);
    assert.equal(cri.containersNamed('app')[0]?.state, 'CONTAINER_EXITED');
    assert.ok([...cri.sandboxes.values()].every((s) => s.state === 'SANDBOX_NOTREADY'));
    await syncer.cleanupPod(p, true);
    assert.equal(cri.sandboxes.size + cri.containers.size, 0);
    assert.equal(existsSync(join(rootDir, 'pods', 'uid-web')), false);
    assert.equal(status.getPodStatus('uid-web'), undefined);
  });

  it('gives up its image pull when cancelled, but not a pull another pod waits for', async () => {
    const { cri, syncer, events } = setup();
    const release = cri.holdPulls('localhost/slow:1');
    const slow = { image: 'localhost/slow:1', imagePullPolicy: 'IfNotPresent' };
    const a = new AbortController();
    const b = new AbortController();
    const syncA = syncer.syncPod(pod('a', slow), a.signal);
    const syncB = syncer.syncPod(pod('b', slow), b.signal);
    const pulling = () => events.filter((e) => e.reason === 'Pulling').map((e) => e.pod).sort().join();
    const took = await settlesAfterAbort(syncA, a, () => pulling() === 'a,b');
    assert.ok(took < 1_000, `pod a's sync gave up in ${took} ms`);
    assert.deepEqual(cri.pullsStarted, ['localhost/slow:1'], 'one pull for both pods');
    assert.deepEqual(cri.cancelled, [], 'pod b still waits for the pull');
    release();
    await syncB;
    const running = [...cri.containers.values()].filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => cri.sandboxes.get(c.sandboxId)?.config.metadata?.name);
    assert.deepEqual(running, ['b']);

    // Alone, the pod's cancelled pull is cancelled in the runtime.
    cri.holdPulls('localhost/slow:2');
    cri.registry.set('localhost/slow:2', { size: 1 });
    const c = new AbortController();
    await settlesAfterAbort(syncer.syncPod(pod('c', { image: 'localhost/slow:2' }), c.signal), c, () => cri.pullsStarted.includes('localhost/slow:2'));
    assert.deepEqual(cri.cancelled, ['pullImage localhost/slow:2']);
  });

  it('gives up a hanging exec postStart hook when cancelled', async () => {
    const { cri, syncer } = setup();
    cri.hangExecs();
    const ac = new AbortController();
    const p = pod('hook', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 3600'] } } } });
    const took = await settlesAfterAbort(syncer.syncPod(p, ac.signal), ac, () => cri.execsStarted.length > 0);
    assert.ok(took < 1_000, `the sync gave up in ${took} ms`);
    assert.deepEqual(cri.cancelled, [`execSync ${cri.containersNamed('app')[0]!.id}`]);
  });

  it('stops a cancelled sync there: no pull failure, pull back-off, hook failure or status', async () => {
    const { cri, syncer, events, status, runtime } = setup();
    cri.holdPulls('localhost/slow:1');
    const a = new AbortController();
    const syncA = syncer.syncPod(pod('a', { image: 'localhost/slow:1' }), a.signal);
    await until(() => cri.pullsStarted.length > 0, 'the pull to start');
    a.abort();
    await assert.rejects(syncA, { name: 'AbortError' });
    assert.deepEqual(events.filter((e) => e.type === 'Warning'), [], 'a cancelled pull is no failed pull');
    assert.equal(runtime.images.backoff.get('uid-a_localhost/slow:1'), 0, 'nor a reason to back off');
    assert.doesNotMatch(JSON.stringify(status.getPodStatus('uid-a')), /ErrImagePull/);

    cri.hangExecs();
    const h = new AbortController();
    const syncH = syncer.syncPod(pod('hook', { lifecycle: { postStart: { exec: { command: ['true'] } } } }), h.signal);
    await until(() => cri.execsStarted.length > 0, 'the hook to start');
    h.abort();
    await assert.rejects(syncH, { name: 'AbortError' });
    assert.deepEqual(events.filter((e) => e.type === 'Warning'), [], 'a cancelled hook is no failed hook');
    assert.equal(cri.containersNamed('app')[0]?.state, 'CONTAINER_RUNNING', 'the termination kills the container, not the hook');
  });

  it('gives up a hanging HTTP postStart hook when cancelled', async () => {
    const { fetches, syncer } = setup();
    const ac = new AbortController();
    const p = pod('hook', { lifecycle: { postStart: { httpGet: { path: '/started', port: 8080 } } } });
    const took = await settlesAfterAbort(syncer.syncPod(p, ac.signal), ac, () => fetches.length > 0);
    assert.ok(took < 1_000, `the sync gave up in ${took} ms`);
    assert.equal(fetches.length, 1);
    assert.match(fetches[0]!.url, /^http:\/\/10\.88\.0\.\d+:8080\/started$/);
    assert.equal(fetches[0]!.signal?.aborted, true, 'the request itself was aborted');
  });
});
