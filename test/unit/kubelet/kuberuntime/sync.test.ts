// syncPod over the fake runtime: first start, hash changes, sandbox changes, restart policies,
// CrashLoopBackOff, init containers and sidecars, termination and adoption after a restart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashContainer } from '../../../../src/kubelet/kuberuntime/hash.ts';
import { killPod } from '../../../../src/kubelet/kuberuntime/kill.ts';
import { container, harness, newest, pod } from './helpers.ts';

describe('syncPod: first start and steady state', () => {
  test("a new container's mounts are asked for with the new sandbox's IPs (for /etc/hosts)", async () => {
    const h = harness();
    const seen: string[][] = [];
    h.deps.mounts = (_pod, _c, podIPs) => {
      seen.push(podIPs);
      return [];
    };
    const r = await h.sync(pod('web', [container('a')]));
    const sb = [...h.cri.sandboxes.values()][0];
    assert.ok(sb.ip);
    assert.deepEqual(seen, [[sb.ip]]);
    assert.deepEqual(r.podIPs, [sb.ip]);
  });

  test('creates the sandbox and starts every container with upstream labels, annotations and events', async () => {
    const h = harness();
    const p = pod('web', [container('a'), container('b', { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] })]);
    const r = await h.sync(p);
    assert.deepEqual(r.errors, []);
    assert.equal(r.actions.createSandbox, true);
    assert.deepEqual([...r.started].sort(), ['a', 'b']);
    assert.equal(h.cri.sandboxes.size, 1);
    const sb = [...h.cri.sandboxes.values()][0];
    assert.equal(sb.config.hostname, 'web');
    assert.equal(sb.config.logDirectory, `${h.deps.podLogsRoot}/default_web_uid-web`);
    assert.deepEqual(sb.config.labels, { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-web' });
    assert.deepEqual(sb.config.dnsConfig, {
      servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan'], options: ['ndots:5'],
    });
    assert.deepEqual(sb.config.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
    assert.equal(sb.config.linux?.cgroupParent, '/kubepods/besteffort/poduid-web');
    assert.deepEqual(r.podIPs, [sb.ip]);

    const a = newest(h.cri, 'a');
    assert.equal(a.state, 'CONTAINER_RUNNING');
    assert.equal(a.config.logPath, 'a/0.log');
    assert.equal(a.config.labels?.['io.kubernetes.container.name'], 'a');
    assert.equal(a.config.labels?.['io.kubernetes.pod.uid'], 'uid-web');
    assert.equal(a.config.annotations?.['io.kubernetes.container.hash'], hashContainer(p.spec.containers[0]));
    assert.equal(a.config.annotations?.['io.kubernetes.container.restartCount'], '0');
    assert.equal(a.config.annotations?.['io.kubernetes.pod.terminationGracePeriod'], '30');
    assert.equal(a.config.image?.userSpecifiedImage, 'localhost/busybox:1.35');
    assert.match(a.config.image?.image ?? '', /^sha256:/);
    assert.equal(a.config.linux?.resources?.oomScoreAdj, 1000);

    const forA = h.events.filter((e) => e.fieldPath === 'spec.containers{a}').map((e) => `${e.reason}: ${e.message}`);
    assert.deepEqual(forA, [
      'Pulled: Container image "localhost/busybox:1.35" already present on machine',
      'Created: Created container: a',
      'Started: Started container a',
    ]);

    const calls = h.cri.calls.length;
    const again = await h.sync(p);
    assert.deepEqual(again.started, []);
    assert.deepEqual(again.killed, []);
    assert.equal(h.cri.calls.slice(calls).filter((c) => /^(run|create|start|stop|remove)/.test(c.method)).length, 0, 'a second sync does nothing');
  });

  test('a host-network pod gets an empty hostname, NODE namespaces and the host DNS', async () => {
    const h = harness();
    const p = pod('hn', [container('a')], { hostNetwork: true, hostPID: true });
    await h.sync(p);
    const sb = [...h.cri.sandboxes.values()][0];
    assert.equal(sb.config.hostname, '');
    assert.deepEqual(sb.config.linux?.securityContext?.namespaceOptions, { network: 'NODE', pid: 'NODE', ipc: 'POD' });
    assert.deepEqual(sb.config.dnsConfig?.servers, ['192.168.1.1']);
    const again = await h.sync(p);
    assert.equal(again.actions.createSandbox, false, 'no IP is fine on the host network');
  });

  test('ClusterFirst without a cluster DNS falls back to the node resolv.conf with a MissingClusterDNS event', async () => {
    const h = harness();
    h.deps.clusterDNS = [];
    await h.sync(pod('nodns', [container('a')]));
    const sb = [...h.cri.sandboxes.values()][0];
    assert.deepEqual(sb.config.dnsConfig, { servers: ['192.168.1.1'], searches: ['lan'], options: [] });
    const ev = h.events.find((e) => e.reason === 'MissingClusterDNS');
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.message, 'pod: "nodns_default(uid-nodns)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.');
  });

  test('a sandbox failure is reported as FailedCreatePodSandBox and nothing else starts', async () => {
    const h = harness();
    h.cri.injectError('runPodSandbox', new Error('no IP addresses available'));
    const r = await h.sync(pod('sbfail', [container('a')]));
    assert.equal(r.errors[0]?.action, 'CreatePodSandbox');
    assert.equal(h.events.find((e) => e.reason === 'FailedCreatePodSandBox')?.message, 'Failed to create pod sandbox: no IP addresses available');
    assert.equal(h.cri.containers.size, 0);
    const retry = await h.sync(pod('sbfail', [container('a')]));
    assert.deepEqual(retry.started, ['a']);
  });
});

describe('syncPod: spec and sandbox changes', () => {
  test('an image change recreates only that container and keeps the sandbox', async () => {
    const h = harness();
    const p = pod('chg', [container('a'), container('b')]);
    await h.sync(p);
    const sandbox = [...h.cri.sandboxes.keys()][0];
    const aBefore = newest(h.cri, 'a').id;
    const bBefore = newest(h.cri, 'b').id;
    const changed = pod('chg', [container('a'), container('b', { image: 'localhost/busybox:1.36' })]);
    const r = await h.sync(changed);
    assert.deepEqual(r.killed, ['b']);
    assert.deepEqual(r.started, ['b']);
    assert.equal(r.actions.createSandbox, false);
    assert.deepEqual([...h.cri.sandboxes.keys()], [sandbox]);
    assert.equal(newest(h.cri, 'a').id, aBefore);
    const b = newest(h.cri, 'b');
    assert.notEqual(b.id, bBefore);
    assert.equal(b.config.annotations?.['io.kubernetes.container.restartCount'], '1');
    assert.equal(b.config.logPath, 'b/1.log');
    assert.ok(h.events.some((e) => e.reason === 'Killing' && e.message === 'Container b definition changed, will be restarted'));
  });

  test('a dead sandbox is replaced (attempt + 1) and every container starts again in it', async () => {
    const h = harness();
    const p = pod('sbdead', [container('a'), container('b')]);
    await h.sync(p);
    const old = [...h.cri.sandboxes.keys()][0];
    await h.cri.stopPodSandbox(old);
    const r = await h.sync(p);
    assert.equal(r.actions.createSandbox, true);
    assert.equal(r.actions.attempt, 1);
    assert.notEqual(r.sandboxId, old);
    assert.equal(h.cri.sandboxes.get(r.sandboxId)?.config.metadata?.attempt, 1);
    assert.deepEqual([...r.started].sort(), ['a', 'b']);
    assert.equal(newest(h.cri, 'a').sandboxId, r.sandboxId);
    assert.equal(newest(h.cri, 'a').config.metadata?.attempt, 1);
  });

  test('switching to the host network recreates the sandbox', async () => {
    const h = harness();
    await h.sync(pod('net', [container('a')]));
    const r = await h.sync(pod('net', [container('a')], { hostNetwork: true }));
    assert.equal(r.actions.createSandbox, true);
    assert.equal(r.actions.killPod, true);
    assert.equal(h.cri.containersNamed('a')[1].state, 'CONTAINER_EXITED', 'the old container was stopped');
  });

  test('a liveness failure restarts the container with its message', async () => {
    const h = harness();
    const p = pod('live', [container('a')]);
    await h.sync(p);
    const st = await h.status(p);
    const { syncPod } = await import('../../../../src/kubelet/kuberuntime/sync.ts');
    const r = await syncPod(p, st, h.deps, { livenessFailed: (n) => n === 'a' });
    assert.deepEqual(r.killed, ['a']);
    assert.deepEqual(r.started, ['a']);
    assert.ok(h.events.some((e) => e.message === 'Container a failed liveness probe, will be restarted'));
  });
});

describe('syncPod: restart policies', () => {
  for (const [policy, code, restarts] of [
    ['Always', 0, true], ['Always', 1, true], ['OnFailure', 0, false], ['OnFailure', 1, true], ['Never', 0, false], ['Never', 1, false],
  ] as const) {
    test(`${policy} with exit ${code} ${restarts ? 'restarts' : 'does not restart'}`, async () => {
      const h = harness();
      const p = pod(`rp-${policy.toLowerCase()}-${code}`, [container('a')], { restartPolicy: policy });
      await h.sync(p);
      h.cri.exit(newest(h.cri, 'a').id, code);
      const r = await h.sync(p);
      if (restarts) {
        assert.deepEqual(r.started, ['a']);
        assert.equal(newest(h.cri, 'a').state, 'CONTAINER_RUNNING');
        assert.equal(newest(h.cri, 'a').config.annotations?.['io.kubernetes.container.restartCount'], '1');
      } else {
        assert.deepEqual(r.started, []);
        assert.equal(r.actions.killPod, true, 'a finished pod has its sandbox stopped');
        assert.equal([...h.cri.sandboxes.values()][0].state, 'SANDBOX_NOTREADY');
        const later = await h.sync(p);
        assert.equal(later.actions.createSandbox, false, 'and it is not brought back');
        assert.deepEqual(later.started, []);
        assert.equal(h.cri.sandboxes.size, 1);
      }
    });
  }

  test('the whole CrashLoopBackOff schedule: 10s doubling to 300s, reset after 10 minutes of running', async () => {
    const h = harness();
    const p = pod('crash', [container('a')]);
    await h.sync(p);
    const crash = async () => { await h.clock.advance(1000); h.cri.exit(newest(h.cri, 'a').id, 1); };
    await crash();
    assert.deepEqual((await h.sync(p)).started, ['a'], 'the first restart is immediate');
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      await crash();
      const waiting = await h.sync(p);
      assert.deepEqual(waiting.started, []);
      const w = waiting.waiting.a;
      assert.equal(w?.reason, 'CrashLoopBackOff');
      const m = /^back-off (\S+) restarting failed container=a pod=crash_default\(uid-crash\)$/.exec(w.message);
      assert.ok(m, w.message);
      const delay = { '10s': 10, '20s': 20, '40s': 40, '1m20s': 80, '2m40s': 160, '5m0s': 300 }[m[1]];
      assert.ok(delay, m[1]);
      delays.push(delay);
      await h.clock.advance(delay * 1000 - 1000);
      assert.deepEqual((await h.sync(p)).started, [], 'still backing off just before the delay');
      await h.clock.advance(1000);
      assert.deepEqual((await h.sync(p)).started, ['a'], `restarted after ${delay}s`);
    }
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
    assert.ok(h.events.some((e) => e.reason === 'BackOff' && e.message === 'Back-off restarting failed container a in pod crash_default(uid-crash)'));
    // Running for more than 10 minutes forgets the history: restart at once, then 10 s again.
    await h.clock.advance(11 * 60_000);
    h.cri.exit(newest(h.cri, 'a').id, 1);
    assert.deepEqual((await h.sync(p)).started, ['a']);
    await crash();
    assert.match((await h.sync(p)).waiting.a?.message ?? '', /^back-off 10s /);
  });
});

describe('syncPod: init containers and sidecars', () => {
  test('init containers run one at a time, in order, before the app containers', async () => {
    const h = harness();
    const p = pod('init', [container('app')], { initContainers: [container('i1'), container('i2')] });
    assert.deepEqual((await h.sync(p)).started, ['i1']);
    assert.deepEqual((await h.sync(p)).started, [], 'waits while i1 runs');
    h.cri.exit(newest(h.cri, 'i1').id, 0);
    assert.deepEqual((await h.sync(p)).started, ['i2']);
    h.cri.exit(newest(h.cri, 'i2').id, 0);
    assert.deepEqual((await h.sync(p)).started, ['app']);
    assert.deepEqual((await h.sync(p)).started, [], 'init containers never run again once the app started');
    assert.equal(h.events.find((e) => e.reason === 'Started' && e.message === 'Started container i1')?.fieldPath, 'spec.initContainers{i1}');
  });

  test('a new sandbox runs the init containers again, in order, before the app (old instances purged)', async () => {
    const h = harness();
    const p = pod('reinit', [container('app')], { initContainers: [container('i1'), container('i2')] });
    await h.sync(p);
    h.cri.exit(newest(h.cri, 'i1').id, 0);
    await h.sync(p);
    h.cri.exit(newest(h.cri, 'i2').id, 0);
    assert.deepEqual((await h.sync(p)).started, ['app']);
    await h.cri.stopPodSandbox([...h.cri.sandboxes.keys()][0]);
    const r = await h.sync(p);
    assert.equal(r.actions.createSandbox, true);
    assert.deepEqual(r.started, ['i1']);
    assert.deepEqual(h.cri.containersNamed('i2'), [], "the dead sandbox's init containers are gone");
    assert.deepEqual((await h.sync(p)).started, [], 'the app waits for i1 in the new sandbox');
    h.cri.exit(newest(h.cri, 'i1').id, 0);
    assert.deepEqual((await h.sync(p)).started, ['i2']);
  });

  test('a failing init container is retried with back-off; under Never the pod is killed', async () => {
    const h = harness();
    const p = pod('initfail', [container('app')], { initContainers: [container('i1')] });
    await h.sync(p);
    h.cri.exit(newest(h.cri, 'i1').id, 1);
    assert.deepEqual((await h.sync(p)).started, ['i1'], 'retried');
    await h.clock.advance(1000);
    h.cri.exit(newest(h.cri, 'i1').id, 1);
    const r = await h.sync(p);
    assert.equal(r.waiting.i1?.reason, 'CrashLoopBackOff');
    assert.equal(h.cri.containersNamed('app').length, 0);

    const n = harness();
    const never = pod('initnever', [container('app')], { restartPolicy: 'Never', initContainers: [container('i1')] });
    await n.sync(never);
    n.cri.exit(newest(n.cri, 'i1').id, 1);
    const rn = await n.sync(never);
    assert.equal(rn.actions.killPod, true);
    assert.deepEqual(rn.started, []);
    assert.equal(n.cri.containersNamed('app').length, 0);
  });

  test('a sidecar starts before the next init container, keeps running and restarts even under Never', async () => {
    const h = harness();
    const p = pod('side', [container('app')], {
      restartPolicy: 'Never', initContainers: [container('side', { restartPolicy: 'Always' }), container('i2')],
    });
    assert.deepEqual((await h.sync(p)).started, ['side']);
    assert.deepEqual((await h.sync(p)).started, ['i2'], 'the sidecar runs, the next init container starts');
    h.cri.exit(newest(h.cri, 'i2').id, 0);
    assert.deepEqual((await h.sync(p)).started, ['app']);
    h.cri.exit(newest(h.cri, 'side').id, 1);
    assert.deepEqual((await h.sync(p)).started, ['side'], 'a sidecar restarts whatever the pod policy');
    h.cri.exit(newest(h.cri, 'app').id, 0);
    const done = await h.sync(p);
    assert.equal(done.actions.killPod, true, 'when the app is done the sidecar is stopped');
    assert.equal(newest(h.cri, 'side').state, 'CONTAINER_EXITED');
  });
});

describe('killPod and adoption', () => {
  test('preStop runs before StopContainer, and the rest of the grace period is passed on', async () => {
    const h = harness();
    const p = pod('stop', [container('a', { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo bye > /tmp/x'] } } } }), container('b')],
      { terminationGracePeriodSeconds: 20 });
    await h.sync(p);
    h.cri.onExec = async () => { await h.clock.advance(5000); return { exitCode: 0 }; };
    const res = await killPod(h.deps, p, await h.status(p));
    assert.deepEqual(res.errors, []);
    const seq = h.cri.calls.filter((c) => ['execSync', 'stopContainer', 'stopPodSandbox'].includes(c.method));
    const aId = newest(h.cri, 'a').id;
    const execIdx = seq.findIndex((c) => c.method === 'execSync' && c.args[0] === aId);
    const stopA = seq.findIndex((c) => c.method === 'stopContainer' && c.args[0] === aId);
    assert.ok(execIdx >= 0 && stopA > execIdx, 'preStop first');
    assert.deepEqual(seq[execIdx].args[1], ['sh', '-c', 'echo bye > /tmp/x']);
    assert.equal(seq[stopA].args[1], 15, '20 s grace minus the 5 s preStop');
    assert.equal(seq.at(-1)?.method, 'stopPodSandbox', 'the sandbox stops last');
    assert.ok(h.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container a'));
    assert.equal(newest(h.cri, 'a').state, 'CONTAINER_EXITED');
  });

  test('a failing preStop is reported and the grace period never drops under 2 s', async () => {
    const h = harness();
    // 4 s of grace, 3 s of them the hook's: the 1 s left is raised to 2 s.
    const p = pod('prefail', [container('a', { lifecycle: { preStop: { exec: { command: ['false'] } } } })], { terminationGracePeriodSeconds: 4 });
    await h.sync(p);
    h.cri.onExec = async () => { await h.clock.advance(3000); return { exitCode: 1 }; };
    await killPod(h.deps, p, await h.status(p));
    assert.ok(h.events.some((e) => e.reason === 'FailedPreStopHook' && e.message === 'PreStopHook failed'));
    assert.equal(h.cri.callsOf('stopContainer')[0].args[1], 2);
  });

  test('an orphan is killed with the grace period and preStop from its annotations', async () => {
    const h = harness();
    const p = pod('orphan', [container('a', { lifecycle: { preStop: { exec: { command: ['cleanup'] } } } })], { terminationGracePeriodSeconds: 7 });
    await h.sync(p);
    h.restartKubelet();
    await killPod(h.deps, undefined, await h.status(p));
    assert.deepEqual(h.cri.callsOf('execSync')[0].args[1], ['cleanup']);
    assert.equal(h.cri.callsOf('stopContainer')[0].args[1], 7);
  });

  test('a restarted kubelet adopts what it finds: same hashes, nothing restarted or duplicated', async () => {
    const h = harness();
    const p = pod('adopt', [container('a'), container('b')], { initContainers: [container('i1')] });
    await h.sync(p);
    h.cri.exit(newest(h.cri, 'i1').id, 0);
    await h.sync(p);
    const before = [...h.cri.containers.keys()].sort();
    h.restartKubelet();
    const r = await h.sync(structuredClone(p));
    assert.deepEqual(r.started, []);
    assert.deepEqual(r.killed, []);
    assert.equal(r.actions.createSandbox, false);
    assert.deepEqual([...h.cri.containers.keys()].sort(), before);
  });
});
