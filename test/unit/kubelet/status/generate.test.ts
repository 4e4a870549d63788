import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needToReconcilePodReadiness } from '../../../../src/kubelet/status/conditions.ts';
import { generateApiPodStatus, sortPodIPs, type GenerateOptions } from '../../../../src/kubelet/status/generate.ts';
import type { PodSpec, PodStatus } from '../../../../src/api/core/index.ts';
import { at, ctr, exited, iso, pod, running, runtime } from './fixtures.ts';

const base = (over: Partial<GenerateOptions> = {}): GenerateOptions => ({ nodeIPs: ['192.168.1.10'], now: at(10), ...over });
const cond = (s: PodStatus, type: string) => s.conditions!.find((c) => c.type === type)!;
const cs = (s: PodStatus, name: string) => [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])].find((c) => c.name === name)!;

describe('generateApiPodStatus: containers that never ran', () => {
  it('is Pending with ContainerCreating and every kubelet condition', () => {
    const p = pod({ containers: [ctr('b'), ctr('a')] });
    const s = generateApiPodStatus(p, runtime([], { sandbox: 'none' }), base());
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses!.map((c) => c.name), ['a', 'b'], 'sorted by name');
    assert.deepEqual(cs(s, 'a'), {
      name: 'a',
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      started: false,
      restartCount: 0,
      image: 'img/a:1',
      imageID: '',
    });
    assert.deepEqual(s.conditions!.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    assert.equal(cond(s, 'PodReadyToStartContainers').status, 'False');
    assert.equal(cond(s, 'Initialized').status, 'True');
    assert.deepEqual(cond(s, 'Ready'), {
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [b a]',
      lastProbeTime: null,
      lastTransitionTime: iso(10),
    });
    assert.equal(cond(s, 'ContainersReady').message, 'containers with unready status: [b a]', 'in spec order');
    assert.equal(cond(s, 'PodScheduled').status, 'True');
    assert.equal(s.startTime, iso(10));
    assert.equal(s.hostIP, '192.168.1.10');
    assert.deepEqual(s.hostIPs, [{ ip: '192.168.1.10' }]);
    assert.equal(s.podIP, undefined);
    assert.equal(s.qosClass, 'BestEffort');
  });

  it('uses the runtime manager waiting reason (ErrImagePull) for a container that never ran', () => {
    const p = pod({ containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([]), base({ waitingReasons: new Map([['a', { reason: 'ErrImagePull', message: 'pull failed' }]]) }));
    assert.deepEqual(cs(s, 'a').state, { waiting: { reason: 'ErrImagePull', message: 'pull failed' } });
    assert.equal(s.phase, 'Pending');
  });

  it('waits PodInitializing when the pod has init containers', () => {
    const p = pod({ initContainers: [ctr('init')], containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([running('init', 'i1')]), base());
    assert.deepEqual(cs(s, 'a').state, { waiting: { reason: 'PodInitializing' } });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(cond(s, 'Initialized'), {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init]',
      lastProbeTime: null,
      lastTransitionTime: iso(10),
    });
  });
});

describe('generateApiPodStatus: running pods', () => {
  it('reports running containers, IPs, readiness and ready conditions', () => {
    const p = pod({ containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([running('a', 'c1', 3)]), base());
    assert.equal(s.phase, 'Running');
    assert.deepEqual(cs(s, 'a'), {
      name: 'a',
      state: { running: { startedAt: iso(3) } },
      lastState: {},
      ready: true,
      started: true,
      restartCount: 0,
      image: 'img/a:1',
      imageID: 'sha256:a',
      containerID: 'containerd://c1',
    });
    assert.equal(s.podIP, '10.88.0.5');
    assert.deepEqual(s.podIPs, [{ ip: '10.88.0.5' }]);
    for (const t of ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) assert.equal(cond(s, t).status, 'True', t);
    assert.equal(cond(s, 'Ready').reason, undefined);
  });

  it('follows the readiness and startup probes', () => {
    const p = pod({ containers: [ctr('a', { readinessProbe: { exec: { command: ['true'] } } }), ctr('b', { startupProbe: { exec: { command: ['true'] } } })] });
    const rt = runtime([running('a', 'ca'), running('b', 'cb')]);
    const none = generateApiPodStatus(p, rt, base());
    assert.equal(cs(none, 'a').ready, false, 'no readiness result yet');
    assert.equal(cs(none, 'a').started, true);
    assert.equal(cs(none, 'b').started, false, 'startup probe has not succeeded');
    assert.equal(cs(none, 'b').ready, false);
    assert.equal(cond(none, 'Ready').message, 'containers with unready status: [a b]');

    const results = new Map([['containerd://ca', true], ['containerd://cb', true]]);
    const ok = generateApiPodStatus(p, rt, base({ readiness: (id) => results.get(id), startup: (id) => results.get(id) }));
    assert.equal(cs(ok, 'a').ready, true);
    assert.equal(cs(ok, 'b').started, true);
    assert.equal(cs(ok, 'b').ready, true, 'no readiness probe: ready once started');
    assert.equal(cond(ok, 'Ready').status, 'True');

    const failing = generateApiPodStatus(p, rt, base({ readiness: () => false, startup: () => true }));
    assert.equal(cs(failing, 'a').ready, false);
  });

  it('shows the previous attempt as lastState.terminated', () => {
    const p = pod({ containers: [ctr('a')] });
    const rt = runtime([running('a', 'c2', 8, { restartCount: 1 }), exited('a', 'c1', 1, 1, 5, { message: 'boom' })]);
    const s = generateApiPodStatus(p, rt, base());
    assert.equal(cs(s, 'a').restartCount, 1);
    assert.deepEqual(cs(s, 'a').lastState, {
      terminated: { exitCode: 1, reason: 'Error', message: 'boom', startedAt: iso(1), finishedAt: iso(5), containerID: 'containerd://c1' },
    });
    assert.equal(cs(s, 'a').containerID, 'containerd://c2');
  });

  it('infers a lost container terminated when it was running before and vanished', () => {
    const p = pod({ containers: [ctr('a')] });
    const first = generateApiPodStatus(p, runtime([running('a', 'c1')]), base());
    const s = generateApiPodStatus(p, runtime([]), base({ oldStatus: first }));
    assert.deepEqual(cs(s, 'a').lastState.terminated, {
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the pod was deleted.  The container used to be Running',
    });
    assert.equal(cs(s, 'a').restartCount, 1);
    assert.equal(s.phase, 'Running', 'a stopped container under Always keeps the pod Running');
  });
});

describe('generateApiPodStatus: phase by restart policy', () => {
  const cases: [PodSpec['restartPolicy'], number, string][] = [
    ['Always', 0, 'Running'],
    ['Always', 1, 'Running'],
    ['OnFailure', 0, 'Succeeded'],
    ['OnFailure', 1, 'Running'],
    ['Never', 0, 'Succeeded'],
    ['Never', 1, 'Failed'],
  ];
  for (const [policy, code, phase] of cases) {
    it(`${policy} with exit ${code} is ${phase}`, () => {
      const p = pod({ restartPolicy: policy, containers: [ctr('a')] });
      const s = generateApiPodStatus(p, runtime([exited('a', 'c1', code)]), base());
      assert.equal(s.phase, phase);
      assert.equal(cs(s, 'a').state.terminated?.exitCode, code);
      assert.equal(cs(s, 'a').state.terminated?.reason, code === 0 ? 'Completed' : 'Error');
    });
  }

  it('shows the CrashLoopBackOff reason with the last termination for a container that will restart', () => {
    const p = pod({ containers: [ctr('a')] });
    const why = new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=a pod=web_default(pod-uid)' }]]);
    const s = generateApiPodStatus(p, runtime([exited('a', 'c1', 1)]), base({ waitingReasons: why }));
    assert.deepEqual(cs(s, 'a').state, { waiting: why.get('a') });
    assert.equal(cs(s, 'a').lastState.terminated?.exitCode, 1);
    assert.equal(s.phase, 'Running');
  });

  it('ignores a waiting reason for a container that will not restart (Never)', () => {
    const p = pod({ restartPolicy: 'Never', containers: [ctr('a')] });
    const why = new Map([['a', { reason: 'CrashLoopBackOff' }]]);
    const s = generateApiPodStatus(p, runtime([exited('a', 'c1', 1)]), base({ waitingReasons: why }));
    assert.ok(cs(s, 'a').state.terminated);
  });

  it('Succeeded and Failed pods report PodCompleted and PodFailed readiness', () => {
    const ok = generateApiPodStatus(pod({ restartPolicy: 'Never', containers: [ctr('a')] }), runtime([exited('a', 'c1', 0)]), base());
    assert.deepEqual([cond(ok, 'Ready').reason, cond(ok, 'ContainersReady').reason], ['PodCompleted', 'PodCompleted']);
    assert.equal(cond(ok, 'Ready').status, 'False');
    const bad = generateApiPodStatus(pod({ restartPolicy: 'Never', containers: [ctr('a')] }), runtime([exited('a', 'c1', 2)]), base());
    assert.deepEqual([cond(bad, 'Ready').reason, cond(bad, 'ContainersReady').reason], ['PodFailed', 'PodFailed']);
  });

  it('a terminal (being-stopped) regular pod ends by its exit codes whatever the policy; a static pod does not', () => {
    const p = pod({ containers: [ctr('a'), ctr('b')] });
    const rt = runtime([exited('a', 'c1', 0), exited('b', 'c2', 137)]);
    assert.equal(generateApiPodStatus(p, rt, base({ podIsTerminal: true })).phase, 'Failed');
    assert.equal(generateApiPodStatus(p, runtime([exited('a', 'c1', 0), exited('b', 'c2', 0)]), base({ podIsTerminal: true })).phase, 'Succeeded');
    const staticPod = pod({ containers: [ctr('a'), ctr('b')] }, { metadata: { name: 'web-node', namespace: 'default', uid: 'pod-uid', annotations: { 'kubernetes.io/config.source': 'file' } } });
    assert.equal(generateApiPodStatus(staticPod, rt, base({ podIsTerminal: true })).phase, 'Running');
  });

  it('never leaves a terminal phase the status manager or the API reported', () => {
    const p = pod({ restartPolicy: 'OnFailure', containers: [ctr('a')] }, { status: { phase: 'Succeeded' } });
    assert.equal(generateApiPodStatus(p, runtime([running('a', 'c2')]), base()).phase, 'Succeeded');
    const q = pod({ restartPolicy: 'OnFailure', containers: [ctr('a')] });
    assert.equal(generateApiPodStatus(q, runtime([running('a', 'c2')]), base({ oldStatus: { phase: 'Failed', reason: 'X' } })).phase, 'Failed');
  });
});

describe('generateApiPodStatus: init containers and sidecars', () => {
  it('is Running with initialized, ready init containers once they succeeded', () => {
    const p = pod({ initContainers: [ctr('init')], containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([exited('init', 'i1', 0, 1, 2), running('a', 'c1', 3)]), base());
    assert.equal(s.phase, 'Running');
    assert.equal(cs(s, 'init').ready, true);
    assert.equal(cs(s, 'init').state.terminated?.reason, 'Completed');
    assert.equal(cond(s, 'Initialized').status, 'True');
    assert.equal(cond(s, 'Ready').status, 'True');
  });

  it('fails the pod when an init container fails under Never, retries (Pending) under Always', () => {
    const spec = { initContainers: [ctr('init')], containers: [ctr('a')] };
    const never = generateApiPodStatus(pod({ ...spec, restartPolicy: 'Never' }), runtime([exited('init', 'i1', 1)]), base());
    assert.equal(never.phase, 'Failed');
    const why = new Map([['init', { reason: 'CrashLoopBackOff', message: 'back-off' }]]);
    const always = generateApiPodStatus(pod(spec), runtime([exited('init', 'i1', 1)]), base({ waitingReasons: why }));
    assert.equal(always.phase, 'Pending');
    assert.equal(cs(always, 'init').state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs(always, 'init').lastState.terminated?.exitCode, 1);
    assert.equal(cs(always, 'a').state.waiting?.reason, 'PodInitializing');
  });

  it('keeps init containers in spec order and treats one removed after initialization as Completed', () => {
    const p = pod({ initContainers: [ctr('z-first'), ctr('a-second')], containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([running('a', 'c1')]), base());
    assert.deepEqual(s.initContainerStatuses!.map((c) => c.name), ['z-first', 'a-second']);
    assert.equal(cs(s, 'z-first').state.terminated?.reason, 'Completed');
    assert.equal(cs(s, 'z-first').state.terminated?.exitCode, 0);
    assert.equal(s.phase, 'Running');
  });

  it('a started sidecar counts as running; an unstarted one keeps the pod Pending and not initialized', () => {
    const sidecar = ctr('proxy', { restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } });
    const p = pod({ initContainers: [sidecar], containers: [ctr('a')] });
    const rt = runtime([running('proxy', 's1')]);
    const pending = generateApiPodStatus(p, rt, base());
    assert.equal(pending.phase, 'Pending');
    assert.equal(cond(pending, 'Initialized').message, 'containers with incomplete status: [proxy]');

    const started = generateApiPodStatus(p, runtime([running('proxy', 's1'), running('a', 'c1')]), base({ startup: () => true }));
    assert.equal(started.phase, 'Running');
    assert.equal(cs(started, 'proxy').ready, true);
    assert.equal(cond(started, 'Initialized').status, 'True');
    assert.equal(cond(started, 'Ready').status, 'True');

    // A sidecar's readiness counts in ContainersReady.
    const unready = generateApiPodStatus(p, runtime([running('proxy', 's1'), running('a', 'c1')]), base({ startup: () => true, readiness: (id) => (id === 'containerd://s1' ? false : undefined) }));
    assert.equal(cs(unready, 'proxy').ready, true, 'no readiness probe on the sidecar');
    const withProbe = pod({ initContainers: [{ ...sidecar, readinessProbe: {} }], containers: [ctr('a')] });
    const notReady = generateApiPodStatus(withProbe, runtime([running('proxy', 's1'), running('a', 'c1')]), base({ startup: () => true, readiness: () => false }));
    assert.equal(cond(notReady, 'ContainersReady').message, 'containers with unready status: [proxy]');
  });

  it('a stopped sidecar does not hold back Succeeded under OnFailure', () => {
    const p = pod({ restartPolicy: 'OnFailure', initContainers: [ctr('proxy', { restartPolicy: 'Always' })], containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([exited('proxy', 's1', 137, 1, 9), exited('a', 'c1', 0, 2, 8)]), base());
    assert.equal(s.phase, 'Succeeded');
  });
});

describe('generateApiPodStatus: conditions others own, gates and times', () => {
  it('Ready waits for readiness gates named in the spec', () => {
    const spec = { containers: [ctr('a')], readinessGates: [{ conditionType: 'example.com/lb' }] };
    const rt = runtime([running('a', 'c1')]);
    const missing = generateApiPodStatus(pod(spec), rt, base());
    assert.equal(cond(missing, 'Ready').status, 'False');
    assert.equal(cond(missing, 'Ready').reason, 'ReadinessGatesNotReady');
    assert.equal(cond(missing, 'Ready').message, 'corresponding condition of pod readiness gate "example.com/lb" does not exist.');
    assert.equal(cond(missing, 'ContainersReady').status, 'True');

    const falseGate = { type: 'example.com/lb', status: 'False' as const, lastTransitionTime: iso(1) };
    const notYet = generateApiPodStatus(pod(spec, { status: { conditions: [falseGate] } }), rt, base());
    assert.equal(cond(notYet, 'Ready').message, 'the status of pod readiness gate "example.com/lb" is not "True", but False');

    const trueGate = { ...falseGate, status: 'True' as const };
    const ready = generateApiPodStatus(pod(spec, { status: { conditions: [trueGate] } }), rt, base());
    assert.equal(cond(ready, 'Ready').status, 'True');
    assert.deepEqual(cond(ready, 'example.com/lb'), trueGate, 'the gate condition is preserved untouched');
  });

  it('needs a sync when the API pod’s Ready disagrees with its gate conditions (NeedToReconcilePodReadiness)', () => {
    const spec = { containers: [ctr('a')], readinessGates: [{ conditionType: 'g1' }, { conditionType: 'g2' }] };
    const gate = (type: string, status: 'True' | 'False') => ({ type, status, lastTransitionTime: iso(1) });
    // The pod as the kubelet last reported it: container ready, both gates missing.
    const reported = generateApiPodStatus(pod(spec), runtime([running('a', 'c1')], {}), base({ readiness: () => true }));
    assert.equal(cond(reported, 'Ready').reason, 'ReadinessGatesNotReady');
    const withGates = (...gates: ReturnType<typeof gate>[]) => pod(spec, { status: { ...reported, conditions: [...gates, ...reported.conditions!] } });
    assert.equal(needToReconcilePodReadiness(pod(spec, { status: reported })), false, 'nothing changed');
    assert.equal(needToReconcilePodReadiness(withGates(gate('g1', 'True'))), true, 'the message changes with one gate True');
    assert.equal(needToReconcilePodReadiness(withGates(gate('g1', 'True'), gate('g2', 'True'))), true, 'Ready turns True');
    const ready = generateApiPodStatus(withGates(gate('g1', 'True'), gate('g2', 'True')), runtime([running('a', 'c1')]), base({ readiness: () => true }));
    assert.equal(cond(ready, 'Ready').status, 'True');
    assert.equal(needToReconcilePodReadiness(pod(spec, { status: ready })), false, 'reconciled');
    const oneFalse = ready.conditions!.map((c) => (c.type === 'g1' ? { ...c, status: 'False' as const } : c));
    assert.equal(needToReconcilePodReadiness(pod(spec, { status: { ...ready, conditions: oneFalse } })), true, 'Ready turns False');
    assert.equal(needToReconcilePodReadiness(pod({ containers: [ctr('a')] }, { status: ready })), false, 'no gates: never');
    assert.equal(needToReconcilePodReadiness(pod(spec, { status: { conditions: [gate('g1', 'True')] } })), false, 'no Ready condition yet: the first sync sets it');
  });

  it('keeps PodScheduled and unchanged conditions with their lastTransitionTime; stamps changes with now', () => {
    const p = pod({ containers: [ctr('a')] }, { status: { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(-60) }] } });
    const first = generateApiPodStatus(p, runtime([]), base({ now: at(10) }));
    assert.equal(cond(first, 'PodScheduled').lastTransitionTime, iso(-60));
    assert.equal(cond(first, 'Ready').lastTransitionTime, iso(10));
    const second = generateApiPodStatus(p, runtime([running('a', 'c1')]), base({ oldStatus: first, now: at(20) }));
    assert.equal(cond(second, 'Ready').lastTransitionTime, iso(20), 'Ready flipped');
    assert.equal(cond(second, 'Initialized').lastTransitionTime, iso(10), 'Initialized unchanged');
    assert.equal(cond(second, 'PodScheduled').lastTransitionTime, iso(-60));
  });

  it('keeps DisruptionTarget from the previous status and conditions others own from the API', () => {
    const p = pod({ containers: [ctr('a')] }, { status: { conditions: [{ type: 'custom', status: 'True' }, { type: 'Ready', status: 'True' }] } });
    const s = generateApiPodStatus(p, runtime([]), base({ oldStatus: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', lastTransitionTime: iso(5) }] } }));
    assert.deepEqual(s.conditions!.slice(0, 2).map((c) => c.type), ['custom', 'DisruptionTarget']);
    assert.equal(s.conditions!.filter((c) => c.type === 'Ready').length, 1);
    assert.equal(cond(s, 'DisruptionTarget').lastTransitionTime, iso(5));
  });

  it('keeps startTime once set', () => {
    const p = pod({ containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([]), base({ oldStatus: { startTime: iso(-100) }, now: at(50) }));
    assert.equal(s.startTime, iso(-100));
  });

  it('fails the pod past activeDeadlineSeconds with DeadlineExceeded', () => {
    const p = pod({ activeDeadlineSeconds: 30, containers: [ctr('a')] });
    const rt = runtime([running('a', 'c1')]);
    const before = generateApiPodStatus(p, rt, base({ oldStatus: { startTime: iso(0) }, now: at(29) }));
    assert.equal(before.phase, 'Running');
    const after = generateApiPodStatus(p, rt, base({ oldStatus: { startTime: iso(0) }, now: at(30) }));
    assert.equal(after.phase, 'Failed');
    assert.equal(after.reason, 'DeadlineExceeded');
    assert.equal(after.message, 'Pod was active on the node longer than the specified deadline');
    assert.equal(cond(after, 'Ready').reason, 'PodFailed');
    const forced = generateApiPodStatus(pod({ containers: [ctr('a')] }), rt, base({ deadlineExceeded: true }));
    assert.equal(forced.reason, 'DeadlineExceeded');
  });

  it('keeps the reason and message while the phase stays', () => {
    const p = pod({ containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([running('a', 'c1')]), base({ oldStatus: { phase: 'Running', reason: 'R', message: 'M' } }));
    assert.deepEqual([s.reason, s.message], ['R', 'M']);
    const t = generateApiPodStatus(p, runtime([running('a', 'c1')]), base({ oldStatus: { phase: 'Pending', reason: 'R' } }));
    assert.equal(t.reason, undefined);
  });

  it('keeps the QoS class the API computed, computes it otherwise', () => {
    const res = { resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } } };
    assert.equal(generateApiPodStatus(pod({ containers: [ctr('a', res)] }), runtime([]), base()).qosClass, 'Guaranteed');
    assert.equal(generateApiPodStatus(pod({ containers: [ctr('a', res)] }, { status: { qosClass: 'Burstable' } }), runtime([]), base()).qosClass, 'Burstable');
  });
});

describe('generateApiPodStatus: addresses', () => {
  it('gives host-network pods the node IP and dual-stack host IPs', () => {
    const p = pod({ hostNetwork: true, containers: [ctr('a')] });
    const s = generateApiPodStatus(p, runtime([running('a', 'c1')], { hostNetwork: true }), base({ nodeIPs: ['192.168.1.10', 'fd00::10'] }));
    assert.equal(s.podIP, '192.168.1.10');
    assert.deepEqual(s.hostIPs, [{ ip: '192.168.1.10' }, { ip: 'fd00::10' }]);
    assert.equal(cond(s, 'PodReadyToStartContainers').status, 'True');
  });

  it('keeps the pod IPs once the sandbox is gone', () => {
    const p = pod({ restartPolicy: 'Never', containers: [ctr('a')] });
    const first = generateApiPodStatus(p, runtime([running('a', 'c1')]), base());
    const s = generateApiPodStatus(p, runtime([exited('a', 'c1', 0)], { sandbox: 'none' }), base({ oldStatus: first }));
    assert.equal(s.podIP, '10.88.0.5');
    assert.equal(cond(s, 'PodReadyToStartContainers').status, 'False');
  });

  it('orders pod IPs by the node family', () => {
    assert.deepEqual(sortPodIPs(['fd00::5', '10.0.0.5', '10.0.0.6'], ['192.168.1.1']), ['10.0.0.5', 'fd00::5']);
    assert.deepEqual(sortPodIPs(['10.0.0.5', 'fd00::5'], ['fd00::1']), ['fd00::5', '10.0.0.5']);
  });
});

describe('generateApiPodStatus: stability', () => {
  it('gives deep-equal output for the same inputs and is a fixed point of its own output', () => {
    const p = pod({ initContainers: [ctr('init')], containers: [ctr('a'), ctr('b')], readinessGates: [{ conditionType: 'g' }] });
    const rt = runtime([exited('init', 'i1', 0), running('a', 'c1', 3), exited('b', 'c2', 1, 2, 4), exited('b', 'c0', 1, 1, 1.5)]);
    const why = new Map([['b', { reason: 'CrashLoopBackOff', message: 'back-off 10s' }]]);
    const first = generateApiPodStatus(p, rt, base({ waitingReasons: why }));
    assert.deepEqual(generateApiPodStatus(p, rt, base({ waitingReasons: why })), first);
    const again = generateApiPodStatus(p, rt, base({ waitingReasons: why, oldStatus: first, now: at(500) }));
    assert.deepEqual(again, first);
  });
});
