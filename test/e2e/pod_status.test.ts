// Pod status end to end, as the API shows it to kubectl: conditions others own (readiness gates,
// upstream's "should support pod readiness gates [NodeConformance]") and a static pod's status on
// a mirror pod that was deleted and recreated.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startClusterWithNode, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';

interface Condition { type: string; status: string; reason?: string }
interface PodView {
  metadata: { uid: string };
  status?: { phase?: string; podIP?: string; conditions?: Condition[]; containerStatuses?: { name: string; state: { running?: object } }[] };
}

describe('pod status', () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const podJson = async (name: string): Promise<PodView> => JSON.parse(await k('get', 'pod', name, '-o', 'json')) as PodView;
  const ready = async (name: string) => (await podJson(name)).status?.conditions?.find((c) => c.type === 'Ready');

  before(async () => {
    cluster = await startClusterWithNode(node);
    kc = cluster.kubeconfig;
  });
  after(async () => {
    await cluster?.stop();
  });

  it('should support pod readiness gates: Ready follows the gate conditions others set', async () => {
    const gate1 = 'k8s.io/test-condition1';
    const gate2 = 'k8s.io/test-condition2';
    await kubectlOk(kc, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'gated' },
        spec: {
          readinessGates: [{ conditionType: gate1 }, { conditionType: gate2 }],
          containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }],
          terminationGracePeriodSeconds: 1,
        },
      }),
    });
    await eventually(async () => (await podJson('gated')).status?.phase === 'Running', 30_000, 'gated Running');
    const notReady = await eventually(async () => {
      const r = await ready('gated');
      return r?.reason === 'ReadinessGatesNotReady' ? r : undefined;
    }, 10_000, 'Ready=False for the gates');
    assert.equal(notReady.status, 'False');

    // As upstream's e2e: the JSON patch appends a condition, the strategic merge patch sets one by type.
    const add = (type: string) => JSON.stringify([{ op: 'add', path: '/status/conditions/-', value: { type, status: 'True' } }]);
    await k('patch', 'pod', 'gated', '--subresource=status', '--type=json', '-p', add(gate1));
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await ready('gated'))?.status, 'False', 'one gate of two is not enough');
    await k('patch', 'pod', 'gated', '--subresource=status', '--type=json', '-p', add(gate2));
    // Upstream's tolerance for the status update after a gate changes (maxReadyStatusUpdateTolerance).
    await eventually(async () => (await ready('gated'))?.status === 'True', 10_000, 'Ready=True once both gates are True');

    await k('patch', 'pod', 'gated', '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [{ type: gate1, status: 'False' }] } }));
    await eventually(async () => (await ready('gated'))?.status === 'False', 10_000, 'Ready=False once a gate is False again');
    const conditions = (await podJson('gated')).status?.conditions ?? [];
    assert.equal(conditions.find((c) => c.type === gate1)?.status, 'False', 'the kubelet keeps the gate conditions others set');
    assert.equal(conditions.find((c) => c.type === gate2)?.status, 'True');
    await k('delete', 'pod', 'gated', '--wait=false');
  });

  it('reports a static pod status on its mirror pod after the mirror is deleted and recreated', async () => {
    const dir = cluster.kubelets.get(node)!.manifests;
    const name = `static-status-${node}`;
    await writeFile(join(dir, 'static-status.json'), JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'static-status' },
      spec: { containers: [{ name: 'c', image: busybox, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
    }));
    const first = await eventually(async () => {
      const p = JSON.parse((await kubectl(kc, ['get', 'pod', name, '-o', 'json'])).stdout || '{}') as PodView;
      return p.status?.phase === 'Running' ? p : undefined;
    }, 30_000, 'the mirror pod Running');

    await k('delete', 'pod', name, '--wait=false');
    const second = await eventually(async () => {
      const p = JSON.parse((await kubectl(kc, ['get', 'pod', name, '-o', 'json'])).stdout || '{}') as PodView;
      return p.metadata?.uid && p.metadata.uid !== first.metadata.uid ? p : undefined;
    }, 20_000, 'the mirror pod recreated');
    // Upstream's status manager reconciles a mirror whose status differs within its 10 s batch.
    const shown = await eventually(async () => {
      const p = await podJson(name);
      return p.metadata.uid === second.metadata.uid && p.status?.phase === 'Running' ? p : undefined;
    }, 12_000, 'the recreated mirror pod to show the static pod Running');
    assert.equal(shown.status?.podIP, first.status?.podIP, 'the same sandbox, the same IP');
    assert.ok(shown.status?.containerStatuses?.[0]?.state.running, 'the container keeps running');
    assert.equal(shown.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });
});
