import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podStatusPatch } from '../../../../src/kubelet/status/patch.ts';
import { illegalTransition, mergePodStatus, terminatedPodStatus } from '../../../../src/kubelet/status/transitions.ts';
import type { ContainerStatus, PodStatus } from '../../../../src/api/core/index.ts';
import { iso, pod } from './fixtures.ts';

const status = (name: string, state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus => ({
  name, state, lastState, ready: false, restartCount: 0, image: 'i', imageID: '',
});
const lost = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' };

describe('terminatedPodStatus', () => {
  it('ends running containers as failed and makes the phase Failed', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b' }] });
    const s = terminatedPodStatus(p, {
      phase: 'Running',
      containerStatuses: [status('a', { running: { startedAt: iso(1) } }), status('b', { terminated: { exitCode: 0, reason: 'Completed' } })],
    });
    assert.equal(s.phase, 'Failed');
    assert.deepEqual(s.containerStatuses![0]!.state, { terminated: lost });
    assert.deepEqual(s.containerStatuses![1]!.state, { terminated: { exitCode: 0, reason: 'Completed' } });
  });

  it('leaves never-started init containers waiting, fails the started ones, keeps static pods non-terminal', () => {
    const p = pod({}, { metadata: { name: 'w', namespace: 'default', uid: 'u', annotations: { 'kubernetes.io/config.source': 'file' } } });
    const s = terminatedPodStatus(p, {
      phase: 'Pending',
      initContainerStatuses: [status('i1', { running: {} }), status('i2', { waiting: { reason: 'PodInitializing' } })],
      containerStatuses: [status('a', { waiting: { reason: 'PodInitializing' } })],
    });
    assert.deepEqual(s.initContainerStatuses![0]!.state, { terminated: lost });
    assert.deepEqual(s.initContainerStatuses![1]!.state, { waiting: { reason: 'PodInitializing' } });
    assert.deepEqual(s.containerStatuses![0]!.state, { waiting: { reason: 'PodInitializing' } }, 'pod not initialized: regular containers untouched');
    assert.equal(s.phase, 'Pending', 'static pods keep their phase');
  });
});

describe('illegalTransition', () => {
  const done: PodStatus = { phase: 'Succeeded', containerStatuses: [status('a', { terminated: { exitCode: 0 } })] };
  it('refuses leaving a terminal phase', () => {
    assert.equal(illegalTransition(done, { phase: 'Running' }, { restartPolicy: 'Always' }), 'attempted illegal transition from Succeeded phase to Running');
  });
  it('refuses a terminated container running again unless the policy restarts it', () => {
    const prev: PodStatus = { phase: 'Running', containerStatuses: [status('a', { terminated: { exitCode: 1 } })] };
    const next: PodStatus = { phase: 'Running', containerStatuses: [status('a', { running: {} })] };
    assert.match(illegalTransition(prev, next, { restartPolicy: 'Never' }) ?? '', /terminated container a attempted illegal transition/);
    assert.equal(illegalTransition(prev, next, { restartPolicy: 'OnFailure' }), undefined);
    assert.equal(illegalTransition(prev, next, { restartPolicy: 'Always' }), undefined);
  });
});

describe('mergePodStatus', () => {
  const api: PodStatus = { phase: 'Running', conditions: [{ type: 'custom', status: 'True' }, { type: 'Ready', status: 'True' }] };
  const next: PodStatus = { phase: 'Failed', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(1) }, { type: 'ContainersReady', status: 'True' }, { type: 'gone', status: 'True' }] };
  it('keeps others conditions from the API and never reports a terminal pod ready', () => {
    const m = mergePodStatus(api, next, false, iso(9));
    assert.equal(m.phase, 'Failed');
    assert.deepEqual(m.conditions!.map((c) => [c.type, c.status, c.reason]), [['custom', 'True', undefined], ['Ready', 'False', 'PodFailed'], ['ContainersReady', 'False', 'PodFailed']]);
    assert.equal(m.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, iso(9));
  });
  it('holds the terminal phase back while containers could run', () => {
    assert.equal(mergePodStatus(api, next, true, iso(9)).phase, 'Running');
  });
});

describe('podStatusPatch', () => {
  it('carries the UID and is unchanged for equal statuses', () => {
    const s: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    assert.deepEqual(podStatusPatch('u', s, structuredClone(s)), { patch: { metadata: { uid: 'u' } }, unchanged: true });
    const { patch, unchanged } = podStatusPatch('u', s, { ...s, conditions: [{ type: 'Ready', status: 'False' }] });
    assert.equal(unchanged, false);
    assert.deepEqual(patch, { metadata: { uid: 'u' }, status: { '$setElementOrder/conditions': [{ type: 'Ready' }], conditions: [{ type: 'Ready', status: 'False' }] } });
  });
});
