// status.ephemeralContainerStatuses as upstream's generateAPIPodStatus reports them: waiting until
// the container is created (even in an initialized pod), then running, then terminated for good;
// never ready; spec order; absent from a pod without ephemeral containers; no effect on the phase.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateApiPodStatus, type GenerateOptions } from '../../../../src/kubelet/status/generate.ts';
import { at, ctr, exited, iso, pod, running, runtime } from './fixtures.ts';

const base = (over: Partial<GenerateOptions> = {}): GenerateOptions => ({ nodeIPs: ['192.168.1.10'], now: at(10), ...over });

describe('generateApiPodStatus: ephemeral containers', () => {
  const spec = { containers: [ctr('app')], initContainers: [ctr('init')], ephemeralContainers: [ctr('dbg2'), ctr('dbg1')] };

  it('waits with the pod\'s default reason (PodInitializing with init containers) until created, not "exited normally"', () => {
    const s = generateApiPodStatus(pod(spec), runtime([exited('init', 'i', 0), running('app', 'a')]), base());
    assert.deepEqual(s.ephemeralContainerStatuses!.map((c) => [c.name, c.state]), [
      ['dbg2', { waiting: { reason: 'PodInitializing' } }],
      ['dbg1', { waiting: { reason: 'PodInitializing' } }],
    ], 'spec order, waiting');
    assert.equal(s.phase, 'Running');
  });

  it('is running, then terminated with its exit code; never ready and without started', () => {
    const p = pod({ containers: [ctr('app')], ephemeralContainers: [ctr('dbg')] });
    const r = generateApiPodStatus(p, runtime([running('app', 'a'), running('dbg', 'd', 3)]), base());
    assert.deepEqual(r.ephemeralContainerStatuses, [{
      name: 'dbg', state: { running: { startedAt: iso(3) } }, lastState: {}, ready: false, restartCount: 0,
      image: 'img/dbg:1', imageID: 'sha256:dbg', containerID: 'containerd://d',
    }]);
    const t = generateApiPodStatus(p, runtime([running('app', 'a'), exited('dbg', 'd', 3, 3, 5)]), base({ oldStatus: r }));
    assert.deepEqual(t.ephemeralContainerStatuses![0].state, {
      terminated: { exitCode: 3, reason: 'Error', startedAt: iso(3), finishedAt: iso(5), containerID: 'containerd://d' },
    });
    assert.equal(t.phase, 'Running', 'an ephemeral container does not decide the phase');
    assert.equal(t.conditions!.find((c) => c.type === 'Ready')!.status, 'True', 'nor readiness');
  });

  it('is left out of a pod without ephemeral containers', () => {
    const s = generateApiPodStatus(pod({ containers: [ctr('app')] }), runtime([running('app', 'a')]), base());
    assert.equal('ephemeralContainerStatuses' in s, false);
  });
});
