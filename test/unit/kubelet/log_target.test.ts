// Which container instance the kubelet's /containerLogs reads (issue #15 item 3): chosen from the
// pod's status as upstream's validateContainerLogStatus, so `logs -p` reads the container
// lastState.terminated names, and a container that never restarted has no previous one (400).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus, PodStatus } from '../../../src/api/core/index.ts';
import { logContainerId } from '../../../src/kubelet/logs/target.ts';

const cs = (o: Partial<ContainerStatus>): ContainerStatus => ({
  name: 'c', state: {}, lastState: {}, ready: false, restartCount: 0, image: 'busybox', imageID: '', ...o,
});
const status = (...containers: ContainerStatus[]): PodStatus => ({ containerStatuses: containers });

const fails = (f: () => unknown, message: string) =>
  assert.throws(f, (e: Error & { code?: number }) => {
    assert.equal(e.code, 400);
    assert.equal(e.message, message);
    return true;
  });

describe('logContainerId', () => {
  // CrashLoopBackOff after three runs: the runtime still holds the instances c1, c2 and c3; the
  // status names c3 as the last terminated one. Before, the kubelet read the second newest exited.
  const crashLooping = status(cs({
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { exitCode: 1, containerID: 'containerd://c3' } },
    restartCount: 2,
  }));

  it('with previous reads the container lastState.terminated names', () => {
    assert.equal(logContainerId('p', crashLooping, 'c', true), 'c3');
  });

  it('without previous reads the last that ran while the next waits', () => {
    assert.equal(logContainerId('p', crashLooping, 'c', false), 'c3');
  });

  it('answers 400 with upstream\'s message when the container never terminated before', () => {
    const once = status(cs({ state: { running: { startedAt: 't' } }, containerID: 'containerd://c1' }));
    fails(() => logContainerId('hello', once, 'c', true), 'previous terminated container "c" in pod "hello" not found');
    assert.equal(logContainerId('hello', once, 'c', false), 'c1');
  });

  it('reads a running restarted container as itself, and its previous as lastState names', () => {
    const restarted = status(cs({
      state: { running: {} }, containerID: 'containerd://c2', lastState: { terminated: { exitCode: 0, containerID: 'containerd://c1' } },
    }));
    assert.equal(logContainerId('p', restarted, 'c', false), 'c2');
    assert.equal(logContainerId('p', restarted, 'c', true), 'c1');
  });

  it('reads a terminated container, or the one before when the next did not start', () => {
    assert.equal(logContainerId('p', status(cs({ state: { terminated: { exitCode: 0, containerID: 'containerd://t1' } } })), 'c', false), 't1');
    const noNext = status(cs({ state: { terminated: { exitCode: 128 } }, lastState: { terminated: { exitCode: 1, containerID: 'containerd://t0' } } }));
    assert.equal(logContainerId('p', noNext, 'c', false), 't0');
    fails(() => logContainerId('p', status(cs({ state: { terminated: { exitCode: 128 } } })), 'c', false), 'container "c" in pod "p" is terminated');
  });

  it('explains a container that has not started as upstream does', () => {
    const waiting = (reason: string) => status(cs({ state: { waiting: { reason } } }));
    fails(() => logContainerId('p', waiting('ContainerCreating'), 'c', false), 'container "c" in pod "p" is waiting to start: ContainerCreating');
    fails(() => logContainerId('p', waiting('ErrImagePull'), 'c', false), 'container "c" in pod "p" is waiting to start: image can\'t be pulled');
    fails(() => logContainerId('p', waiting('ImagePullBackOff'), 'c', false), 'container "c" in pod "p" is waiting to start: trying and failing to pull image');
    fails(() => logContainerId('p', status(cs({})), 'c', false), 'container "c" in pod "p" is waiting to start - no logs yet');
    fails(() => logContainerId('p', status(), 'c', false), 'container "c" in pod "p" is not available');
  });

  it('finds init and ephemeral containers too', () => {
    const st: PodStatus = { initContainerStatuses: [cs({ name: 'init', state: { terminated: { exitCode: 0, containerID: 'containerd://i1' } } })] };
    assert.equal(logContainerId('p', st, 'init', false), 'i1');
  });
});
