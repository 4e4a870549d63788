// kubectl drain through the eviction API, end to end: a real kubelet running two pods, a
// PodDisruptionBudget kept by the disruption controller, and the real kubectl (v1.32).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const refusal = "Cannot evict pod as it would violate the pod's disruption budget.";

describe('kubectl drain with a PodDisruptionBudget', () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const pdb = async () => JSON.parse(await k('get', 'pdb', 'x', '-o', 'json'));
  const podNames = async () => (await k('get', 'pods', '-l', 'app=x', '-o', 'jsonpath={.items[*].metadata.name}')).split(/\s+/).filter(Boolean).sort();
  const drain = (timeout: string) => kubectl(kc, ['drain', 'node-a', '--force', '--ignore-daemonsets', `--timeout=${timeout}`], { timeoutMs: 90_000 });
  /** Sets minAvailable and waits until the controller has worked the new spec out. */
  const setMinAvailable = async (n: number, allowed: number) => {
    await k('patch', 'pdb', 'x', '--type=merge', '-p', JSON.stringify({ spec: { minAvailable: n } }));
    await eventually(async () => {
      const { metadata, status } = await pdb();
      return status.observedGeneration === metadata.generation && status.disruptionsAllowed === allowed;
    }, 20_000, `the budget to allow ${allowed}`);
  };

  before(async () => {
    cluster = await startTestCluster();
    kc = cluster.kubeconfig;
    await cluster.startKubelet('node-a');
    await eventually(async () => /^node-a\s+Ready\s/m.test(await k('get', 'nodes')), 20_000, 'node-a Ready');
    for (const name of ['x-1', 'x-2']) {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'x' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] },
      };
      await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
    }
    await k('wait', '--for=condition=Ready', 'pod/x-1', 'pod/x-2', '--timeout=60s');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('kubectl create/get/describe pdb show the budget the controller keeps', async () => {
    assert.match(await k('create', 'pdb', 'x', '--selector=app=x', '--min-available=2'), /poddisruptionbudget.policy\/x created/);
    await eventually(async () => (await pdb()).status.currentHealthy === 2, 20_000, 'two healthy pods counted');
    assert.match(await k('get', 'pdb', 'x'), /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nx\s+2\s+N\/A\s+0\s+\S+/);
    const described = await k('describe', 'pdb', 'x');
    for (const re of [/Min available:\s+2/, /Selector:\s+app=x/, /Allowed disruptions:\s+0/, /Current:\s+2/, /Desired:\s+2/, /Total:\s+2/]) assert.match(described, re);
  });

  it('a budget of minAvailable 2 over the 2 pods blocks the drain with 429; the pods stay', async () => {
    const blocked = await drain('8s');
    assert.notEqual(blocked.code, 0, blocked.stdout);
    const out = blocked.stdout + blocked.stderr;
    assert.match(out, /node\/node-a cordoned/);
    assert.match(out, /error when evicting pods\/"x-[12]" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.ok(out.includes(refusal));
    assert.deepEqual(await podNames(), ['x-1', 'x-2']);
    assert.equal(JSON.parse(await k('get', 'node', 'node-a', '-o', 'json')).spec.unschedulable, true);
  });

  it('minAvailable 1 lets exactly one pod go; the other still blocks', async () => {
    await setMinAvailable(1, 1);
    const partial = await drain('10s');
    assert.notEqual(partial.code, 0);
    assert.ok((partial.stdout + partial.stderr).includes(refusal));
    const left = await eventually(async () => {
      const names = await podNames();
      return names.length === 1 && names;
    }, 30_000, 'one pod evicted');
    assert.equal((await pdb()).status.disruptionsAllowed, 0);
    assert.match(left[0], /^x-[12]$/);
  });

  it('minAvailable 0 lets the drain finish: pods evicted, node cordoned', async () => {
    await setMinAvailable(0, 1);
    const done = await drain('60s');
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /evicting pod default\/x-[12]/);
    assert.match(done.stdout, /pod\/x-[12] evicted/);
    assert.match(done.stdout, /node\/node-a drained/);
    assert.deepEqual(await podNames(), []);
    assert.match(await k('get', 'node', 'node-a'), /Ready,SchedulingDisabled/);
  });
});
