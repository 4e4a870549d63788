// Kubelet admission end to end, as kubectl shows it: pods that reach the node without the
// scheduler (spec.nodeName, a static manifest) and do not fit it end Failed with upstream's
// reason and "Pod was rejected: …", a Warning event says why, and the pods already running keep
// running (issue #17's admission tests).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startClusterWithNode, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectlOk } from '../support/kubectl.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';

interface PodView {
  status?: { phase?: string; reason?: string; message?: string; containerStatuses?: unknown[] };
}

const podSpec = (name: string, spec: Record<string, unknown>, container: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    ...spec,
    containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'], ...container }],
  },
});

describe('kubelet admission', () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const podJson = async (name: string): Promise<PodView> => JSON.parse(await k('get', 'pod', name, '-o', 'json')) as PodView;
  const create = (pod: object) => kubectlOk(kc, ['create', '-f', '-'], { input: JSON.stringify(pod) });
  const failed = (name: string) => eventually(async () => {
    const p = await podJson(name);
    return p.status?.phase === 'Failed' ? p : undefined;
  }, 30_000, `${name} Failed`);
  let allocatableCpu = 0;

  before(async () => {
    cluster = await startClusterWithNode(node);
    kc = cluster.kubeconfig;
    allocatableCpu = Number(await k('get', 'node', node, '-o', 'jsonpath={.status.allocatable.cpu}'));
    // A pod that runs first and holds a host port.
    await create(podSpec('holder', {}, { ports: [{ containerPort: 8080, hostPort: 18080 }] }));
    await eventually(async () => (await podJson('holder')).status?.phase === 'Running', 60_000, 'holder Running');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('refuses a pod bound by nodeName that asks for more CPU than allocatable: Failed, OutOfcpu, an event', async () => {
    const want = allocatableCpu + 1;
    await create(podSpec('too-big', { nodeName: node }, { resources: { requests: { cpu: String(want) } } }));
    const p = await failed('too-big');
    assert.equal(p.status?.reason, 'OutOfcpu');
    assert.match(p.status?.message ?? '', new RegExp(`^Pod was rejected: Node didn't have enough resource: cpu, requested: ${want * 1000}, used: \\d+, capacity: ${allocatableCpu * 1000}$`));
    assert.equal((p.status?.containerStatuses ?? []).length, 0, 'no container was started');
    const events = await eventually(async () => {
      const out = await k('get', 'events', '--field-selector', 'involvedObject.name=too-big', '-o', 'jsonpath={range .items[*]}{.type} {.reason}{"\\n"}{end}');
      return out.includes('OutOfcpu') ? out : undefined;
    }, 10_000, 'the OutOfcpu event');
    assert.match(events, /Warning OutOfcpu/);
  });

  it('refuses a pod bound by nodeName whose node selector does not match: NodeAffinity', async () => {
    await create(podSpec('wrong-node', { nodeName: node, nodeSelector: { disktype: 'none-such' } }));
    const p = await failed('wrong-node');
    assert.equal(p.status?.reason, 'NodeAffinity');
    assert.equal(p.status?.message, "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector");
  });

  it('refuses a pod bound by nodeName whose host port a running pod holds: NodePorts', async () => {
    await create(podSpec('port-taken', { nodeName: node }, { ports: [{ containerPort: 8080, hostPort: 18080 }] }));
    const p = await failed('port-taken');
    assert.equal(p.status?.reason, 'NodePorts');
    assert.equal(p.status?.message, "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports");
  });

  it('refuses a static pod that does not fit: its mirror pod shows Failed, OutOfcpu', async () => {
    const dir = cluster.kubelets.get(node)!.manifests;
    await writeFile(join(dir, 'static-big.json'), JSON.stringify({
      ...podSpec('static-big', {}, { resources: { requests: { cpu: String(allocatableCpu + 1) } } }),
      metadata: { name: 'static-big', namespace: 'default' },
    }));
    const p = await failed(`static-big-${node}`);
    assert.equal(p.status?.reason, 'OutOfcpu');
    assert.match(p.status?.message ?? '', /^Pod was rejected: Node didn't have enough resource: cpu, /);
  });

  it('keeps the pods already running, and runs a pod that fits', async () => {
    assert.equal((await podJson('holder')).status?.phase, 'Running');
    await create(podSpec('fits', { nodeName: node }, { resources: { requests: { cpu: '10m' } } }));
    await eventually(async () => (await podJson('fits')).status?.phase === 'Running', 60_000, 'fits Running');
  });
});
