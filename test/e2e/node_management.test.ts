// Node management end to end: real kubelet processes against the real API server and
// containerd, observed with the real kubectl.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

describe('node management', () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const startKubelet = (node: string, extra: string[] = []) => cluster.startKubelet(node, extra);
  const killKubelet = (node: string) => cluster.killKubelet(node);
  const nodeJson = async (name: string) => JSON.parse(await k('get', 'node', name, '-o', 'json'));
  const condition = (node: any, type: string) => node.status?.conditions?.find((c: any) => c.type === type);

  before(async () => {
    cluster = await startTestCluster({ nodeMonitorPeriodMs: 1000, nodeMonitorGracePeriodMs: 4000 });
    kc = cluster.kubeconfig;
    await startKubelet('node-a');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('registers the node Ready, with capacity, conditions, addresses and system info', async () => {
    await eventually(async () => /^node-a\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-berth/m.test(await k('get', 'nodes')), 20_000, 'node-a Ready');
    const describe = await k('describe', 'node', 'node-a');
    for (const re of [
      /Capacity:\s+cpu:\s+\d+/,
      /Allocatable:\s+cpu:/,
      /memory:\s+\d+Ki/,
      /pods:\s+110/,
      /Ready\s+True .* KubeletReady\s+kubelet is posting ready status/,
      /MemoryPressure\s+False .* KubeletHasSufficientMemory/,
      /InternalIP:\s+\d+\.\d+\.\d+\.\d+/,
      /Hostname:\s+node-a/,
      /Container Runtime Version:\s+containerd:\/\/1\.6/,
      /Kubelet Version:\s+v1\.32\.0-berth/,
      /Boot ID:\s+\S+/,
    ]) assert.match(describe, re);
    const node = await nodeJson('node-a');
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'node-a');
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    assert.ok(node.status.images.some((i: any) => i.names.includes('localhost/busybox:1.35')));
    assert.ok(node.status.daemonEndpoints.kubeletEndpoint.Port >= 0);
  });

  it('renews its Lease', async () => {
    const renew = async () => JSON.parse(await k('get', 'lease', 'node-a', '-n', 'kube-node-lease', '-o', 'json')).spec.renewTime as string;
    const first = await eventually(renew, 10_000, 'the lease');
    assert.match(first, /\.\d{6}Z$/);
    await eventually(async () => (await renew()) !== first, 10_000, 'a renewal');
  });

  it('binds a pending pod and explains why another cannot fit', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fits' }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35', resources: { requests: { cpu: '10m' } } }] } }),
    });
    await kubectlOk(kc, ['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35', resources: { requests: { cpu: '512' } } }] } }),
    });
    await eventually(async () => (await k('get', 'pod', 'fits', '-o', 'jsonpath={.spec.nodeName}')) === 'node-a', 10_000, 'binding');
    const events = await eventually(async () => {
      const out = await k('get', 'events', '--field-selector', 'involvedObject.name=huge,reason=FailedScheduling', '-o', 'json');
      return JSON.parse(out).items[0];
    }, 10_000, 'a FailedScheduling event');
    assert.match(events.message, /0\/1 nodes are available: 1 Insufficient cpu/);
    assert.match(await k('get', 'events', '--field-selector', 'involvedObject.name=fits'), /Scheduled\s+pod\/fits\s+Successfully assigned default\/fits to node-a/);
    await k('delete', 'pod', 'huge');
  });

  it('restricts a node to its own objects', async () => {
    const nodeKc = join(cluster.work, 'node-a.kubeconfig');
    await kubectlOk(kc, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } }) });
    const patch = await kubectl(nodeKc, ['label', 'node', 'node-b', 'stolen=yes']);
    assert.notEqual(patch.code, 0);
    assert.match(patch.stderr, /Forbidden|forbidden/);
    await kubectlOk(kc, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unused' }, stringData: { a: 'b' } }) });
    const read = await kubectl(nodeKc, ['get', 'secret', 'unused']);
    assert.notEqual(read.code, 0);
    assert.match(read.stderr, /secrets "unused" is forbidden: User "system:node:node-a" cannot get resource "secrets"/);
    assert.match(await kubectlOk(nodeKc, ['get', 'node', 'node-a', '-o', 'name']), /node\/node-a/);
    await k('delete', 'node', 'node-b');
  });

  it('marks a silent node Unknown with unreachable taints, and Ready again once it is back', async () => {
    await killKubelet('node-a');
    const dead = await eventually(async () => {
      const node = await nodeJson('node-a');
      return condition(node, 'Ready')?.status === 'Unknown' && node.spec.taints?.length === 2 ? node : undefined;
    }, 15_000, 'node-a Unknown');
    assert.equal(condition(dead, 'Ready').reason, 'NodeStatusUnknown');
    assert.equal(condition(dead, 'Ready').message, 'Kubelet stopped posting node status.');
    assert.deepEqual(dead.spec.taints.map((t: any) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    await startKubelet('node-a');
    await eventually(async () => {
      const node = await nodeJson('node-a');
      return condition(node, 'Ready')?.status === 'True' && !node.spec.taints?.length;
    }, 20_000, 'node-a Ready again');
  });

  it('with --register-node=false waits for an administrator to create the Node, then reports status', async () => {
    await startKubelet('manual', ['--register-node=false']);
    await new Promise((r) => setTimeout(r, 3000));
    assert.match((await kubectl(kc, ['get', 'node', 'manual'])).stderr, /nodes "manual" not found/);
    await kubectlOk(kc, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'manual' } }) });
    const node = await eventually(async () => {
      const n = await nodeJson('manual');
      return condition(n, 'Ready')?.status === 'True' ? n : undefined;
    }, 20_000, 'status for the manual node');
    assert.ok(node.status.capacity.cpu);
  });
});
