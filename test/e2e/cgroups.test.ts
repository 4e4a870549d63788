// Pod and QoS cgroups and node allocatable on the real containerd (cgroup v1 on this machine): the
// values the kubelet writes, read back from the cgroup filesystem for a Guaranteed, a Burstable and
// a BestEffort pod, the QoS cgroups and kubepods; the pod cgroups gone once the pods are deleted.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseQuantity, quantityValue } from '../../src/api/quantity.ts';
import { allHierarchies, cgroupVersion, machinePidLimit } from '../../src/kubelet/cm/index.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';
const MiB = 1024 * 1024;
const root = '/sys/fs/cgroup';
// The test cluster's kubelets use the default cgroup layout (/kubepods) on the machine's cgroupfs.
const read = (controller: string, path: string, file: string) => readFileSync(join(root, controller, path, file), 'utf8').trim();

function pod(name: string, resources: Record<string, unknown>) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: busybox, command: ['sleep', '3600'], resources }] },
  };
}

describe('pod and QoS cgroups, node allocatable', { skip: cgroupVersion(root) !== 1 && 'this test reads cgroup v1 files' }, () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const apply = (obj: object) => kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const uidOf = async (name: string) => (await k('get', 'pod', name, '-o', 'jsonpath={.metadata.uid}')).trim();
  const running = (name: string) => eventually(async () => (await k('get', 'pod', name, '-o', 'jsonpath={.status.phase}')) === 'Running', 60_000, `${name} running`);

  before(async () => {
    cluster = await startTestCluster();
    kc = cluster.kubeconfig;
    await cluster.startKubelet(node, [], { kubeReserved: { cpu: '500m', memory: '256Mi', pid: '1000' }, podPidsLimit: 1000 });
    await eventually(async () => /Ready/.test(await k('get', 'node', node)), 20_000, 'the node');
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 10_000, 'the default service account');
  });
  after(async () => {
    await kubectl(kc, ['delete', 'pod', '--all', '--grace-period=0', '--force']).catch(() => {});
    await cluster?.stop();
  });

  it('kubepods is capped at capacity minus kubeReserved, and NodeAllocatableEnforced says so', async () => {
    const cores = Number(await k('get', 'node', node, '-o', 'jsonpath={.status.capacity.cpu}'));
    const memory = quantityValue(parseQuantity(await k('get', 'node', node, '-o', 'jsonpath={.status.capacity.memory}')));
    await eventually(async () => (await k('get', 'events', '--field-selector', 'reason=NodeAllocatableEnforced', '-o', 'name')).trim() !== '', 20_000, 'the NodeAllocatableEnforced event');
    assert.equal(Number(read('cpu', 'kubepods', 'cpu.shares')), Math.min(262144, Math.floor(((cores * 1000 - 500) * 1024) / 1000)));
    assert.equal(Number(read('memory', 'kubepods', 'memory.limit_in_bytes')), memory - 256 * MiB);
    assert.equal(Number(read('pids', 'kubepods', 'pids.max')), (await machinePidLimit())! - 1000);
  });

  it('Guaranteed, Burstable and BestEffort pods get upstream\'s pod cgroup values; the QoS cgroups theirs', async () => {
    await apply(pod('guaranteed', { limits: { cpu: '200m', memory: '64Mi' } }));
    await apply(pod('burstable', { requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '64Mi' } }));
    await apply(pod('besteffort', {}));
    for (const name of ['guaranteed', 'burstable', 'besteffort']) await running(name);

    const g = `kubepods/pod${await uidOf('guaranteed')}`;
    assert.deepEqual([read('cpu', g, 'cpu.shares'), read('cpu', g, 'cpu.cfs_quota_us'), read('cpu', g, 'cpu.cfs_period_us'), read('memory', g, 'memory.limit_in_bytes'), read('pids', g, 'pids.max')],
      ['204', '20000', '100000', String(64 * MiB), '1000']);
    const b = `kubepods/burstable/pod${await uidOf('burstable')}`;
    assert.deepEqual([read('cpu', b, 'cpu.shares'), read('cpu', b, 'cpu.cfs_quota_us'), read('memory', b, 'memory.limit_in_bytes'), read('pids', b, 'pids.max')],
      ['102', '20000', String(64 * MiB), '1000']);
    const e = `kubepods/besteffort/pod${await uidOf('besteffort')}`;
    assert.deepEqual([read('cpu', e, 'cpu.shares'), read('cpu', e, 'cpu.cfs_quota_us'), read('pids', e, 'pids.max')], ['2', '-1', '1000']);
    assert.ok(Number(read('memory', e, 'memory.limit_in_bytes')) > 2 ** 62, 'no memory limit');

    assert.equal(read('cpu', 'kubepods/besteffort', 'cpu.shares'), '2');
    assert.equal(read('cpu', 'kubepods/burstable', 'cpu.shares'), '102');
    // A second Burstable pod: its class's shares grow with it.
    await apply(pod('burstable-2', { requests: { cpu: '400m' } }));
    await running('burstable-2');
    assert.equal(read('cpu', 'kubepods/burstable', 'cpu.shares'), String(Math.floor((500 * 1024) / 1000)));
  });

  it('deleted pods leave no pod cgroup in any hierarchy, and the Burstable shares fall back', async () => {
    const uids = await Promise.all(['guaranteed', 'burstable', 'besteffort', 'burstable-2'].map(uidOf));
    await k('delete', 'pod', 'guaranteed', 'burstable', 'besteffort', 'burstable-2', '--wait=true');
    const left = () => allHierarchies(root).flatMap((h) =>
      uids.flatMap((uid) => ['kubepods', 'kubepods/burstable', 'kubepods/besteffort'].map((d) => join(h, d, `pod${uid}`)))).filter(existsSync);
    await eventually(() => left().length === 0, 30_000, `no pod cgroup left (${left().join(', ')})`);
    await eventually(() => read('cpu', 'kubepods/burstable', 'cpu.shares') === '2', 10_000, 'the Burstable class back to 2 shares');
  });

  it('ten create/delete cycles leave no pod cgroup behind', async () => {
    const uids: string[] = [];
    for (let i = 0; i < 10; i++) {
      await apply(pod(`cycle-${i}`, { requests: { cpu: '10m' } }));
      await running(`cycle-${i}`);
      uids.push(await uidOf(`cycle-${i}`));
      await k('delete', 'pod', `cycle-${i}`, '--wait=true');
    }
    const left = () => allHierarchies(root).flatMap((h) => uids.map((uid) => join(h, 'kubepods/burstable', `pod${uid}`))).filter(existsSync);
    await eventually(() => left().length === 0, 30_000, `no pod cgroup left (${left().join(', ')})`);
  });
});
