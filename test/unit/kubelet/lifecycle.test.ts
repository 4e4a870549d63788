// Kubelet admission (upstream's pkg/kubelet/lifecycle predicate admit handler, the eviction
// manager's Admit, canAdmitPod/rejectPod): reasons and messages as upstream writes them, the
// order of the checks, and what counts as used.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod, PodStatus } from '../../../src/api/core/index.ts';
import { evictionAdmit, PodAdmission, predicateAdmit, pressureConditions, rejectedStatus, type AdmitResult } from '../../../src/kubelet/lifecycle/index.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';

const node = (extra: { labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never; allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] } = {}): Node => ({
  metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux', disk: 'ssd', ...extra.labels } },
  spec: { taints: extra.taints ?? [] },
  status: { allocatable: { cpu: '1', memory: '1Gi', pods: '3', 'ephemeral-storage': '10Gi', ...extra.allocatable }, conditions: extra.conditions ?? [] },
}) as Node;

let seq = 0;
function pod(name: string, requests: Record<string, string> = {}, spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  const containers = spec.containers ?? [{ name: 'c', image: 'i', resources: Object.keys(requests).length ? { requests, limits: requests } : {} }];
  return { metadata: { name, namespace: 'default', uid: `uid-${name}-${seq++}`, ...meta }, spec: { nodeName: 'n1', ...spec, containers } } as Pod;
}
const withPort = (name: string, hostPort: number, hostIP?: string) => pod(name, {}, { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort, ...(hostIP ? { hostIP } : {}) }] }] });
const refused = (reason: string, message: string): AdmitResult => ({ admit: false, reason, message });

describe('predicate admission (upstream GeneralPredicates)', () => {
  it('refuses a pod asking more than is left, naming the resource with requested, used and capacity', () => {
    const used = [pod('u', { cpu: '500m', memory: '100Mi' })];
    assert.deepEqual(predicateAdmit(pod('big', { cpu: '2' }), node(), used),
      refused('OutOfcpu', "Node didn't have enough resource: cpu, requested: 2000, used: 500, capacity: 1000"));
    assert.deepEqual(predicateAdmit(pod('mem', { memory: '1000Mi' }), node(), used),
      refused('OutOfmemory', `Node didn't have enough resource: memory, requested: ${1000 * 2 ** 20}, used: ${100 * 2 ** 20}, capacity: ${2 ** 30}`));
    assert.deepEqual(predicateAdmit(pod('eph', { 'ephemeral-storage': '11Gi' }), node(), []),
      refused('OutOfephemeral-storage', `Node didn't have enough resource: ephemeral-storage, requested: ${11 * 2 ** 30}, used: 0, capacity: ${10 * 2 ** 30}`));
    assert.deepEqual(predicateAdmit(pod('fits', { cpu: '500m' }), node(), used), { admit: true });
  });

  it('counts pods against allocatable pods first, even for a pod asking nothing', () => {
    const three = [pod('a'), pod('b'), pod('c')];
    assert.deepEqual(predicateAdmit(pod('d', { cpu: '2' }), node(), three), refused('OutOfpods', "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3"));
  });

  it('checks extended resources the node has and ignores those it does not advertise; hugepages always count', () => {
    const gpu = pod('gpu', { 'example.com/gpu': '2' });
    assert.deepEqual(predicateAdmit(gpu, node(), []), { admit: true });
    assert.deepEqual(predicateAdmit(gpu, node({ allocatable: { 'example.com/gpu': '1' } }), []),
      refused('OutOfexample.com/gpu', "Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 1"));
    assert.deepEqual(predicateAdmit(pod('hp', { 'hugepages-2Mi': '2Mi', memory: '10Mi' }), node(), []).admit, false);
    assert.equal((predicateAdmit(pod('hp', { 'hugepages-2Mi': '2Mi', memory: '10Mi' }), node(), []) as { reason: string }).reason, 'OutOfhugepages-2Mi');
  });

  it('refuses a node selector or required node affinity the node does not match', () => {
    const want = refused('NodeAffinity', "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector");
    assert.deepEqual(predicateAdmit(pod('sel', {}, { nodeSelector: { disk: 'hdd' } }), node(), []), want);
    assert.deepEqual(predicateAdmit(pod('sel', {}, { nodeSelector: { disk: 'ssd' } }), node(), []), { admit: true });
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
    assert.deepEqual(predicateAdmit(pod('aff', {}, { affinity } as never), node(), []), want);
    assert.deepEqual(predicateAdmit(pod('aff', {}, { affinity } as never), node({ labels: { zone: 'a' } }), []), { admit: true });
  });

  it('refuses a pod bound to another node by name', () => {
    assert.deepEqual(predicateAdmit(pod('other', {}, { nodeName: 'n2' }), node(), []), refused('NodeName', "Predicate NodeName failed: node(s) didn't match the requested node name"));
  });

  it('refuses a host port an admitted pod holds (0.0.0.0 overlaps every address; another protocol or address does not)', () => {
    const want = refused('NodePorts', "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports");
    assert.deepEqual(predicateAdmit(withPort('b', 8080), node(), [withPort('a', 8080)]), want);
    assert.deepEqual(predicateAdmit(withPort('b', 8080, '10.0.0.1'), node(), [withPort('a', 8080)]), want);
    assert.deepEqual(predicateAdmit(withPort('b', 8080, '10.0.0.1'), node(), [withPort('a', 8080, '10.0.0.2')]), { admit: true });
    assert.deepEqual(predicateAdmit(withPort('b', 8081), node(), [withPort('a', 8080)]), { admit: true });
  });

  it('refuses untolerated NoExecute taints only, and never a static pod for them', () => {
    const taints = [{ key: 'k', value: 'v', effect: 'NoExecute' }, { key: 'ns', effect: 'NoSchedule' }];
    assert.deepEqual(predicateAdmit(pod('t'), node({ taints } as never), []), refused('TaintToleration', "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate"));
    assert.deepEqual(predicateAdmit(pod('t', {}, { tolerations: [{ key: 'k', operator: 'Exists' }] }), node({ taints } as never), []), { admit: true });
    const staticPod = pod('s', {}, {}, { annotations: { 'kubernetes.io/config.source': 'file' } });
    assert.deepEqual(predicateAdmit(staticPod, node({ taints } as never), []), { admit: true });
  });

  it('checks the OS first: the pod’s kubernetes.io/os label, then spec.os', () => {
    assert.deepEqual(predicateAdmit(pod('w', { cpu: '5' }, {}, { labels: { 'kubernetes.io/os': 'windows' } }), node(), []),
      refused('PodOSSelectorNodeLabelDoesNotMatch', "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"));
    assert.deepEqual(predicateAdmit(pod('w', { cpu: '5' }, { os: { name: 'windows' } }), node(), []),
      refused('PodOSNotSupported', "Failed to admit pod as the OS field doesn't match node OS"));
    assert.deepEqual(predicateAdmit(pod('l', {}, { os: { name: 'linux' } }), node(), []), { admit: true });
  });

  it('reports the first failure: resources before affinity before ports', () => {
    const p = withPort('all', 8080);
    p.spec!.nodeSelector = { disk: 'hdd' };
    p.spec!.containers[0]!.resources = { requests: { cpu: '4' } };
    assert.equal((predicateAdmit(p, node(), [withPort('a', 8080)]) as { reason: string }).reason, 'OutOfcpu');
  });
});

describe('eviction admission (upstream eviction manager Admit)', () => {
  const memoryPressure = node({ conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'True' }, { type: 'DiskPressure', status: 'False' }] });
  const both = node({ conditions: [{ type: 'DiskPressure', status: 'True' }, { type: 'MemoryPressure', status: 'True' }] });

  it('reads the pressure conditions the Node reports, in upstream’s order', () => {
    assert.deepEqual(pressureConditions(memoryPressure), ['MemoryPressure']);
    assert.deepEqual(pressureConditions(both), ['MemoryPressure', 'DiskPressure']);
  });

  it('under memory pressure refuses BestEffort pods only, unless they tolerate the memory-pressure taint', () => {
    const c = pressureConditions(memoryPressure);
    assert.deepEqual(evictionAdmit(pod('be'), c), refused('Evicted', 'The node had condition: [MemoryPressure]. '));
    assert.deepEqual(evictionAdmit(pod('bu', { cpu: '100m' }), c), { admit: true });
    assert.deepEqual(evictionAdmit(pod('tol', {}, { tolerations: [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }] }), c), { admit: true });
  });

  it('under disk pressure refuses every pod but critical ones (static, mirror, system-critical priority)', () => {
    const c = pressureConditions(both);
    assert.deepEqual(evictionAdmit(pod('g', { cpu: '100m', memory: '10Mi' }), c), refused('Evicted', 'The node had condition: [MemoryPressure DiskPressure]. '));
    assert.deepEqual(evictionAdmit(pod('crit', {}, { priority: 2_000_000_000 }), c), { admit: true });
    assert.deepEqual(evictionAdmit(pod('s', {}, {}, { annotations: { 'kubernetes.io/config.source': 'file' } }), c), { admit: true });
    assert.deepEqual(evictionAdmit(pod('any'), []), { admit: true });
  });
});

describe('pod admission (canAdmitPod and rejectPod)', () => {
  function setup(n: Node, ensureMirror?: (p: Pod) => Promise<void>) {
    const known: Pod[] = [];
    const phases = new Map<string, string>();
    const statuses: { pod: string; status: PodStatus }[] = [];
    const events: string[] = [];
    const admission = new PodAdmission({
      handlers: [(p) => evictionAdmit(p, pressureConditions(n)), (p, others) => predicateAdmit(p, n, others)],
      pods: () => known,
      phase: (uid) => phases.get(uid),
      terminated: () => false,
      setPodStatus: (p, status) => statuses.push({ pod: p.metadata.name!, status }),
      recorder: { event: (ref, type, reason, message) => events.push(`${ref.name} ${type} ${reason} ${message}`) },
      ensureMirrorPod: ensureMirror,
      log: silentLogger,
    });
    // As the sync loop: the pod manager has the pod, then it is admitted.
    const add = (p: Pod) => (known.push(p), admission.admit(p));
    return { admission, add, phases, statuses, events };
  }

  it('counts the admitted, active pods as used; a refused or finished pod frees nothing it never held', () => {
    const t = setup(node());
    assert.equal(t.add(pod('a', { cpu: '600m' })), true);
    const b = pod('b', { cpu: '600m' });
    assert.equal(t.add(b), false);
    assert.deepEqual(t.statuses, [{ pod: 'b', status: { phase: 'Failed', reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 600, used: 600, capacity: 1000", qosClass: 'Burstable' } }]);
    assert.deepEqual(t.events, ["b Warning OutOfcpu Node didn't have enough resource: cpu, requested: 600, used: 600, capacity: 1000"]);
    assert.equal(t.admission.isRejected(b.metadata.uid!), true);
    // b is refused: it does not count, so c (400m) fits beside a.
    assert.equal(t.add(pod('c', { cpu: '400m' })), true);
    const aUid = t.admission.activePods()[0]!.metadata.uid!;
    t.phases.set(aUid, 'Succeeded');
    assert.equal(t.add(pod('d', { cpu: '600m' })), true, 'a finished pod holds nothing');
    assert.deepEqual(t.admission.activePods().map((p) => p.metadata.name), ['c', 'd']);
    t.admission.forget(b.metadata.uid!);
    assert.equal(t.admission.isRejected(b.metadata.uid!), false);
  });

  it('a refused static pod gets its mirror pod first, then the status', async () => {
    const order: string[] = [];
    const t = setup(node(), async (p) => void order.push(`mirror ${p.metadata.name}`));
    const staticPod = pod('s', { cpu: '3' }, {}, { annotations: { 'kubernetes.io/config.source': 'file' } });
    assert.equal(t.add(staticPod), false);
    assert.equal(t.statuses.length, 0, 'no status before the mirror pod exists');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['mirror s']);
    assert.equal(t.statuses[0]?.status.reason, 'OutOfcpu');
  });

  it('writes upstream’s rejected status', () => {
    assert.deepEqual(rejectedStatus(pod('x'), 'NodePorts', 'm'), { phase: 'Failed', reason: 'NodePorts', message: 'Pod was rejected: m', qosClass: 'BestEffort' });
  });
});
