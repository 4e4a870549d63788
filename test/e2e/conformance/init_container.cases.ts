// Port of upstream's test/e2e/common/node/init_container.go ("InitContainer", all
// [NodeConformance] [Conformance]). Upstream follows the pod with a watch and hands each event to
// a chain of conditions (watchtools.Until); here the pod is polled every 250 ms and each
// snapshot goes through the same chain, so every check upstream makes on an event is made on
// each state seen. The pause image of the RestartAlways cases is a busybox sleep.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';
import { cleanup, podOf } from './busybox_stand_ins.ts';

const D = '[sig-node] InitContainer [NodeConformance]';
const POD_START_TIMEOUT = 120_000; // upstream's framework.PodStartTimeout is 5 minutes
const busybox = (name: string, command: string[], extra: Json = {}) => ({ name, image: BUSYBOX, command, ...extra });
const pause = { ...busybox('run1', ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done']), resources: { limits: { cpu: '100m' } } };
const debug = (s: Json) => JSON.stringify(s);

/** A condition over one pod snapshot: true ends it, false waits for the next, a throw fails the case. */
type Condition = (pod: Json) => boolean;

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  /** watchtools.Until over polled snapshots: conditions in turn, each ending on some snapshot. */
  const until = async (name: string, conditions: Condition[], timeoutMs = POD_START_TIMEOUT): Promise<Json> => {
    const deadline = Date.now() + timeoutMs;
    let last: Json;
    for (let i = 0; i < conditions.length;) {
      if (Date.now() > deadline) throw new Error(`pod ${name}: condition ${i + 1} of ${conditions.length} not met; last status ${debug(last?.status)}`);
      last = await f.pod(name);
      if (conditions[i](last)) i++;
      if (i < conditions.length) await new Promise((r) => setTimeout(r, 250));
    }
    return last;
  };
  /** conditions.PodCompleted and conditions.PodRunning. */
  const podCompleted: Condition = (p) => ['Succeeded', 'Failed'].includes(p.status?.phase);
  const podRunning: Condition = (p) => {
    if (['Succeeded', 'Failed'].includes(p.status?.phase)) throw new Error(`pod ran to completion: ${debug(p.status)}`);
    return p.status?.phase === 'Running';
  };
  const initialized = (p: Json) => p.status.conditions?.find((c: Json) => c.type === 'Initialized');
  /** Every app container must wait with PodInitializing while initialization is incomplete. */
  const appContainersWait = (p: Json) => {
    for (const s of p.status?.containerStatuses ?? []) {
      if (!s.state?.waiting) throw new Error(`container ${s.name} should not be out of waiting: ${debug(s)}`);
      if (s.state.waiting.reason !== 'PodInitializing') throw new Error(`container ${s.name} should have reason PodInitializing: ${debug(s)}`);
    }
  };
  const pod = (initContainers: Json[], containers: Json[], restartPolicy?: string) =>
    podOf(uniqueName('pod-init'), containers, restartPolicy ? { restartPolicy, initContainers } : { initContainers }, { labels: { name: 'foo', time: String(Date.now() % 1e9) } });
  const expectAllInitialized = (end: Json) => {
    assert.equal(initialized(end)?.status, 'True');
    assert.equal(end.status.initContainerStatuses.length, 2);
    for (const s of end.status.initContainerStatuses) {
      assert.ok(s.ready, `init container ${s.name} should be in Ready status`);
      assert.ok(s.state.terminated, `init container ${s.name} terminated`);
      assert.equal(s.state.terminated.exitCode, 0);
    }
  };

  const expectNotInitialized = (end: Json, message: string) => {
    const init = initialized(end);
    assert.ok(init, 'the Initialized condition');
    assert.equal(init.status, 'False');
    assert.equal(init.reason, 'ContainersNotInitialized');
    assert.equal(init.message, message);
    assert.equal(end.status.initContainerStatuses.length, 2);
  };

  it(`${D} should invoke init containers on a RestartNever pod [Conformance]`, async () => {
    const p = pod([busybox('init1', ['/bin/true']), busybox('init2', ['/bin/true'])], [busybox('run1', ['/bin/true'])], 'Never');
    await f.create(p);
    const end = await until(p.metadata.name, [podCompleted]);
    assert.equal(end.status.phase, 'Succeeded');
    expectAllInitialized(end);
    await cleanup(f, p.metadata.name);
  });

  it(`${D} should invoke init containers on a RestartAlways pod [Conformance]`, async () => {
    const p = pod([busybox('init1', ['/bin/true']), busybox('init2', ['/bin/true'])], [pause]);
    await f.create(p);
    const end = await until(p.metadata.name, [podRunning]);
    assert.equal(end.status.phase, 'Running');
    expectAllInitialized(end);
    await cleanup(f, p.metadata.name);
  });

  it(`${D} should not start app containers if init containers fail on a RestartAlways pod [Conformance]`, async () => {
    const p = pod([busybox('init1', ['/bin/false']), busybox('init2', ['/bin/true'])], [pause]);
    await f.create(p);
    const end = await until(p.metadata.name, [
      // the first init container fails at least once
      (x) => {
        appContainersWait(x);
        if (x.status?.initContainerStatuses?.length !== 2) return false;
        const second = x.status.initContainerStatuses[1];
        if (!second.state?.waiting) throw new Error(`second init container should not be out of waiting: ${debug(second)}`);
        if (second.state.waiting.reason !== 'PodInitializing') throw new Error(`second init container should have reason PodInitializing: ${debug(second)}`);
        const first = x.status.initContainerStatuses[0];
        if (first.state?.terminated && first.state.terminated.exitCode === 0) throw new Error(`first init container should have exitCode != 0: ${debug(first)}`);
        return !!first.lastState?.terminated;
      },
      // and is restarted (upstream: restartCount 3)
      (x) => x.status.initContainerStatuses[0].restartCount >= 3,
    ]);
    assert.equal(end.status.phase, 'Pending');
    expectNotInitialized(end, 'containers with incomplete status: [init1 init2]');
    await cleanup(f, p.metadata.name);
  });

  it(`${D} should not start app containers and fail the pod if init containers fail on a RestartNever pod [Conformance]`, async () => {
    const p = pod([busybox('init1', ['/bin/true']), busybox('init2', ['/bin/false'])], [{ ...busybox('run1', ['/bin/true']), resources: { limits: { cpu: '100m' } } }], 'Never');
    await f.create(p);
    const end = await until(p.metadata.name, [
      // the second init container fails
      (x) => {
        appContainersWait(x);
        if (x.status?.initContainerStatuses?.length !== 2) return false;
        const first = x.status.initContainerStatuses[0];
        if (!first.state?.terminated) {
          if (first.state?.waiting && first.state.waiting.reason !== 'PodInitializing') throw new Error(`second init container should have reason PodInitializing: ${debug(first)}`);
          return false;
        }
        if (first.state.terminated.exitCode !== 0) throw new Error(`first init container should have exitCode != 0: ${debug(first)}`);
        const second = x.status.initContainerStatuses[1];
        if (!second.state?.terminated) return false;
        if (second.state.terminated.exitCode === 0) throw new Error(`second init container should have failed: ${debug(second)}`);
        return true;
      },
      podCompleted,
    ]);
    assert.equal(end.status.phase, 'Failed');
    expectNotInitialized(end, 'containers with incomplete status: [init2]');
    assert.ok(end.status.containerStatuses[0].state.waiting, 'the app container never left waiting');
    await cleanup(f, p.metadata.name);
  });
});
