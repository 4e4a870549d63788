import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { errors } from '../../../../src/api/errors.ts';
import { applyStrategicMergePatch } from '../../../../src/api/patch/index.ts';
import { FakeClock, settle } from '../../../../src/kubelet/clock.ts';
import { silentLogger } from '../../../../src/kubelet/log.ts';
import { generateApiPodStatus } from '../../../../src/kubelet/status/generate.ts';
import { StatusManager, type PodStatusClient, type StatusManagerOptions } from '../../../../src/kubelet/status/manager.ts';
import type { Pod, PodSpec, PodStatus } from '../../../../src/api/core/index.ts';
import { at, ctr, exited, iso, pod, running, runtime } from './fixtures.ts';

class FakePods implements PodStatusClient {
  readonly pods = new Map<string, Pod>();
  readonly calls: { verb: string; key: string; body?: any }[] = [];
  failNext: Error[] = [];

  add(p: Pod): void {
    this.pods.set(`${p.metadata.namespace}/${p.metadata.name}`, structuredClone(p));
  }
  private find(ns: string, name: string): Pod {
    const p = this.pods.get(`${ns}/${name}`);
    if (!p) throw errors.notFound({ group: '', resource: 'pods' }, name);
    return p;
  }
  async getPod(ns: string, name: string) {
    this.calls.push({ verb: 'get', key: `${ns}/${name}` });
    return structuredClone(this.find(ns, name));
  }
  async patchPodStatus(ns: string, name: string, patch: Record<string, unknown>) {
    this.calls.push({ verb: 'patch', key: `${ns}/${name}`, body: structuredClone(patch) });
    const e = this.failNext.shift();
    if (e) throw e;
    const p = this.find(ns, name);
    const uid = (patch.metadata as any)?.uid;
    if (uid !== undefined && uid !== p.metadata.uid) throw errors.conflict({ group: '', resource: 'pods' }, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${p.metadata.uid}`);
    // The patched object is the stored pod with its new status.
    const updated = applyStrategicMergePatch(p, patch, 'V1Pod') as unknown as Pod;
    this.pods.set(`${ns}/${name}`, updated);
    return structuredClone(updated);
  }
  async deletePod(ns: string, name: string, uid: string) {
    this.calls.push({ verb: 'delete', key: `${ns}/${name}`, body: { uid } });
    if (this.find(ns, name).metadata.uid !== uid) throw errors.conflict({ group: '', resource: 'pods' }, name);
    this.pods.delete(`${ns}/${name}`);
  }
  patches() {
    return this.calls.filter((c) => c.verb === 'patch');
  }
}

const scheduled = { type: 'PodScheduled', status: 'True' as const, lastProbeTime: null, lastTransitionTime: iso(-30) };

function setup(over: Partial<StatusManagerOptions> = {}) {
  const clock = new FakeClock(at(10));
  const api = new FakePods();
  const m = new StatusManager({ client: api, clock, log: silentLogger, ...over });
  const ac = new AbortController();
  const done = m.run(ac.signal);
  stops.push(async () => {
    ac.abort();
    await done;
  });
  return { clock, api, m };
}
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function apiPod(spec: Partial<PodSpec> = { containers: [ctr('a')] }, extra: Partial<Pod> = {}): Pod {
  return pod(spec, { status: { phase: 'Pending', conditions: [scheduled, { type: 'example.com/gate', status: 'True', lastTransitionTime: iso(-5) }], qosClass: 'BestEffort' }, ...extra });
}
const gen = (p: Pod, containers: Parameters<typeof runtime>[0], old?: PodStatus, s = 10) =>
  generateApiPodStatus(p, runtime(containers), { nodeIPs: ['192.168.1.10'], now: at(s), oldStatus: old });

describe('StatusManager', () => {
  it('patches pods/status at once, with the UID precondition and $setElementOrder/conditions', async () => {
    const { api, m } = setup();
    const p = apiPod();
    api.add(p);
    m.setPodStatus(p, gen(p, [running('a', 'c1')]));
    await settle();
    const [patch] = api.patches();
    assert.ok(patch, 'patched without waiting for the 10 s tick');
    assert.equal(patch.key, 'default/web');
    assert.deepEqual(patch.body.metadata, { uid: 'pod-uid' });
    assert.deepEqual(patch.body.status['$setElementOrder/conditions'].map((c: any) => c.type), ['example.com/gate', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    assert.equal(patch.body.status.phase, 'Running');
    const stored = api.pods.get('default/web')!;
    assert.equal(stored.status?.phase, 'Running');
    assert.ok(stored.status?.conditions?.some((c) => c.type === 'example.com/gate'), 'a condition another component owns survives');
    assert.equal(stored.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, iso(-30));
    assert.equal(m.getPodStatus('pod-uid')?.phase, 'Running');
  });

  it('does not patch again when the status did not change, even on the periodic sync', async () => {
    const { api, m, clock } = setup();
    const p = apiPod();
    api.add(p);
    const s1 = gen(p, [running('a', 'c1')]);
    m.setPodStatus(p, s1);
    await settle();
    assert.equal(api.patches().length, 1);
    m.setPodStatus(p, gen(p, [running('a', 'c1')], m.getPodStatus('pod-uid'), 15));
    await clock.advance(30_000);
    assert.equal(api.patches().length, 1);
    // A change is sent, and only what changed.
    m.setPodStatus(p, gen(p, [exited('a', 'c1', 1, 1, 20)], m.getPodStatus('pod-uid'), 40));
    await settle();
    const patches = api.patches();
    assert.equal(patches.length, 2);
    assert.equal(patches[1]!.body.status.startTime, undefined, 'unchanged fields are not sent');
    assert.equal(patches[1]!.body.status.containerStatuses[0].state.terminated.exitCode, 1);
  });

  it('sends a static pod status to its mirror pod, once the mirror exists', async () => {
    let mirror: { namespace: string; name: string; uid: string } | undefined;
    const { api, m, clock } = setup({ mirrorPodFor: (uid) => (uid === 'static-uid' ? mirror : undefined) });
    const staticPod = pod({ containers: [ctr('a')] }, { metadata: { name: 'web-node1', namespace: 'kube-system', uid: 'static-uid', annotations: { 'kubernetes.io/config.source': 'file' } } });
    api.add(pod({ containers: [ctr('a')] }, { metadata: { name: 'web-node1', namespace: 'kube-system', uid: 'mirror-uid', annotations: { 'kubernetes.io/config.mirror': 'h' } } }));
    m.setPodStatus(staticPod, gen(staticPod, [running('a', 'c1')]));
    await settle();
    assert.equal(api.calls.length, 0, 'no mirror pod yet: nothing sent');
    mirror = { namespace: 'kube-system', name: 'web-node1', uid: 'mirror-uid' };
    await clock.advance(10_000);
    const [patch] = api.patches();
    assert.equal(patch?.key, 'kube-system/web-node1');
    assert.deepEqual(patch?.body.metadata, { uid: 'mirror-uid' });
    assert.equal(api.pods.get('kube-system/web-node1')!.status?.phase, 'Running');
  });

  it('sends a static pod status again to a mirror pod deleted and recreated under a new UID', async () => {
    let mirror = { namespace: 'kube-system', name: 'web-node1', uid: 'mirror-1' };
    const { api, m, clock } = setup({ mirrorPodFor: (uid) => (uid === 'static-uid' ? mirror : undefined) });
    const staticPod = pod({ containers: [ctr('a')] }, { metadata: { name: 'web-node1', namespace: 'kube-system', uid: 'static-uid', annotations: { 'kubernetes.io/config.source': 'file' } } });
    const mirrorPod = (uid: string) => pod({ containers: [ctr('a')] }, { metadata: { name: 'web-node1', namespace: 'kube-system', uid, annotations: { 'kubernetes.io/config.mirror': 'h' } }, status: { phase: 'Pending' } });
    api.add(mirrorPod('mirror-1'));
    const status = gen(staticPod, [running('a', 'c1')]);
    m.setPodStatus(staticPod, status);
    await settle();
    assert.equal(api.pods.get('kube-system/web-node1')!.status?.phase, 'Running');

    // `kubectl delete pod web-node1`: the kubelet makes a new mirror, which the API shows Pending.
    api.add(mirrorPod('mirror-2'));
    mirror = { ...mirror, uid: 'mirror-2' };
    // The static pod's next sync finds its status unchanged; it still goes to the new mirror, at once.
    m.setPodStatus(staticPod, gen(staticPod, [running('a', 'c1')], m.getPodStatus('static-uid'), 12));
    await settle();
    const [, second] = api.patches();
    assert.deepEqual(second?.body.metadata, { uid: 'mirror-2' });
    const shown = api.pods.get('kube-system/web-node1')!.status;
    assert.equal(shown?.phase, 'Running');
    assert.equal(shown?.podIP, '10.88.0.5');
    assert.ok(shown?.containerStatuses?.[0]?.state.running);
    await clock.advance(30_000);
    assert.equal(api.patches().length, 2, 'sent once to each mirror');

    // Without a sync of the static pod, the periodic batch notices the new mirror.
    api.add(mirrorPod('mirror-3'));
    mirror = { ...mirror, uid: 'mirror-3' };
    await clock.advance(10_000);
    assert.equal(api.patches().length, 3);
    assert.equal(api.pods.get('kube-system/web-node1')!.status?.phase, 'Running');
  });

  it('forgets a pod the API no longer has (404) or that was recreated under another UID', async () => {
    const { api, m } = setup();
    const p = apiPod();
    m.setPodStatus(p, gen(p, [running('a', 'c1')]));
    await settle();
    assert.equal(m.getPodStatus('pod-uid'), undefined);
    assert.equal(api.patches().length, 0);

    api.add(apiPod(undefined, { metadata: { name: 'web', namespace: 'default', uid: 'other-uid' } }));
    m.setPodStatus(p, gen(p, [running('a', 'c1')]));
    await settle();
    assert.equal(api.patches().length, 0);
    assert.equal(m.getPodStatus('pod-uid'), undefined);
  });

  it('retries a failed patch (500, 409) with backoff', async () => {
    const { api, m, clock } = setup({ retryInitialMs: 1000 });
    const p = apiPod();
    api.add(p);
    api.failNext = [errors.internal('etcd down'), errors.conflict({ group: '', resource: 'pods' }, 'web')];
    m.setPodStatus(p, gen(p, [running('a', 'c1')]));
    await settle();
    assert.equal(api.patches().length, 1);
    await clock.advance(999);
    assert.equal(api.patches().length, 1, 'waits out the backoff');
    await clock.advance(1);
    assert.equal(api.patches().length, 2);
    await clock.advance(1999);
    assert.equal(api.patches().length, 2, 'the backoff doubled');
    await clock.advance(1);
    assert.equal(api.patches().length, 3);
    assert.equal(api.pods.get('default/web')!.status?.phase, 'Running');
    await clock.advance(60_000);
    assert.equal(api.patches().length, 3, 'nothing more once sent');
  });

  it('patches promptly when the prober changes a container readiness', async () => {
    const { api, m } = setup();
    const p = apiPod({ containers: [ctr('a', { readinessProbe: {} })] });
    api.add(p);
    m.setPodStatus(p, gen(p, [running('a', 'c1')]));
    await settle();
    assert.equal(api.pods.get('default/web')!.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    m.setContainerReadiness('pod-uid', 'containerd://c1', true);
    await settle();
    assert.equal(api.patches().length, 2);
    const stored = api.pods.get('default/web')!.status;
    assert.equal(stored?.containerStatuses?.[0].ready, true);
    assert.equal(stored?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(stored?.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
    m.setContainerReadiness('pod-uid', 'containerd://c1', true);
    await settle();
    assert.equal(api.patches().length, 2, 'no change, no patch');
  });

  it('refuses an illegal transition out of a terminated container (Never)', async () => {
    const { api, m } = setup();
    const p = apiPod({ restartPolicy: 'Never', containers: [ctr('a')] });
    api.add(p);
    const done = gen(p, [exited('a', 'c1', 0)]);
    m.setPodStatus(p, done);
    await settle();
    m.setPodStatus(p, gen(p, [running('a', 'c2')], { ...done, phase: 'Running' }));
    await settle();
    assert.equal(m.getPodStatus('pod-uid')?.phase, 'Succeeded');
    assert.equal(api.patches().length, 1);
  });

  it('terminatePod ends every container, makes the phase terminal, then deletes the pod with grace 0 and its UID', async () => {
    const { api, m } = setup();
    const deleting = { metadata: { name: 'web', namespace: 'default', uid: 'pod-uid', deletionTimestamp: iso(5), deletionGracePeriodSeconds: 30 } };
    const p = apiPod({ containers: [ctr('a'), ctr('b')] }, deleting);
    api.add(p);
    m.setPodStatus(p, gen(p, [running('a', 'c1'), exited('b', 'c2', 0)]));
    await settle();
    assert.equal(api.calls.filter((c) => c.verb === 'delete').length, 0, 'not terminal yet');
    m.terminatePod(p);
    await settle();
    const last = api.patches().at(-1)!;
    assert.equal(last.body.status.phase, 'Failed');
    const del = api.calls.filter((c) => c.verb === 'delete');
    assert.deepEqual(del, [{ verb: 'delete', key: 'default/web', body: { uid: 'pod-uid' } }]);
    assert.equal(api.pods.has('default/web'), false);
    assert.equal(m.getPodStatus('pod-uid'), undefined, 'forgotten once deleted');
  });

  it('holds a terminal phase back while containers could still run, and deletes only once resources are reclaimed', async () => {
    let couldRun = true;
    let reclaimed = false;
    const { api, m, clock } = setup({ podCouldHaveRunningContainers: () => couldRun, podResourcesAreReclaimed: () => reclaimed });
    const deleting = { metadata: { name: 'web', namespace: 'default', uid: 'pod-uid', deletionTimestamp: iso(5) } };
    const p = apiPod({ restartPolicy: 'Never', containers: [ctr('a')] }, deleting);
    api.add(p);
    m.setPodStatus(p, gen(p, [exited('a', 'c1', 1)]));
    await settle();
    assert.equal(api.pods.get('default/web')!.status?.phase, 'Pending', 'terminal phase held back');
    couldRun = false;
    await clock.advance(10_000);
    assert.equal(api.pods.get('default/web')!.status?.phase, 'Failed');
    assert.equal(api.calls.filter((c) => c.verb === 'delete').length, 0, 'volumes not yet reclaimed');
    reclaimed = true;
    await clock.advance(10_000);
    assert.equal(api.calls.filter((c) => c.verb === 'delete').length, 1);
  });

  it('removePod and removeOrphanedStatuses forget statuses', () => {
    const { m } = setup();
    const p = apiPod();
    m.setPodStatus(p, gen(p, []));
    const q = apiPod(undefined, { metadata: { name: 'q', namespace: 'default', uid: 'q-uid' } });
    m.setPodStatus(q, gen(q, []));
    m.removeOrphanedStatuses(new Set(['q-uid']));
    assert.equal(m.getPodStatus('pod-uid'), undefined);
    assert.ok(m.getPodStatus('q-uid'));
    m.removePod('q-uid');
    assert.equal(m.getPodStatus('q-uid'), undefined);
  });
});
