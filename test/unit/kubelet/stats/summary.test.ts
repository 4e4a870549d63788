import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRef, ContainerStats } from '../../../../src/kubelet/cadvisor/types.ts';
import { renderCadvisorMetrics } from '../../../../src/kubelet/stats/cadvisormetrics.ts';
import { MetricFamilies } from '../../../../src/kubelet/metrics/promtext.ts';
import { containerRefs } from '../../../../src/kubelet/stats/refs.ts';
import { renderResourceMetrics } from '../../../../src/kubelet/stats/resourcemetrics.ts';
import { buildSummary } from '../../../../src/kubelet/stats/summary.ts';
import type { Container, PodSandbox } from '../../../../src/kubelet/runtime/cri/types.ts';

const t = new Date('2026-11-27T10:00:05.250Z');
function stats(cpuNs: number, ws: number, extra: Partial<ContainerStats> = {}): ContainerStats {
  return {
    timestamp: t,
    cpu: { usageCoreNanoSeconds: cpuNs, usageNanoCores: 500_000_000, userNanoSeconds: cpuNs / 2, systemNanoSeconds: cpuNs / 2, throttling: { periods: 10, throttledPeriods: 4, throttledTimeNanoSeconds: 2e9 } },
    memory: { usageBytes: ws + 100, workingSetBytes: ws, rssBytes: ws, cacheBytes: 100, pageFaults: 7, majorPageFaults: 1, oomEvents: 0, limitBytes: 1000 },
    processes: { count: 2, threads: 3 },
    ...extra,
  };
}
const podCgroup = '/kubepods/besteffort/podu1';
const container: ContainerRef = { id: 'c1', cgroupPath: `${podCgroup}/c1`, podUid: 'u1', name: 'main', namespace: 'ns', pod: 'web', image: 'busybox', createdAt: new Date('2026-11-27T09:00:00Z') };
const podRef: ContainerRef = { id: podCgroup, cgroupPath: podCgroup, podUid: 'u1', namespace: 'ns', pod: 'web' };
const net = { interfaces: [{ name: 'eth0', rxBytes: 10, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 20, txPackets: 2, txErrors: 0, txDropped: 0 }] };
const samples = new Map<string, ContainerStats>([
  ['/', stats(9e9, 5000, { network: net })],
  ['/kubepods', stats(4e9, 3000)],
  [podCgroup, stats(2e9, 700, { network: net })],
  ['c1', stats(1.5e9, 600, { fs: { rootfs: { usedBytes: 4096, inodesUsed: 3, truncated: false }, usage: { usedBytes: 8192, inodesUsed: 2, truncated: false } } })],
]);
const latest = (id: string) => samples.get(id);

describe('buildSummary', () => {
  const s = buildSummary({
    nodeName: 'n1',
    nodeStartTime: new Date('2026-11-27T00:00:00Z'),
    memoryCapacityBytes: 10_000,
    latest,
    containers: [container],
    pods: [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { containers: [] }, status: { startTime: '2026-11-27T08:59:59Z' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'starting', namespace: 'ns', uid: 'u2' }, spec: { containers: [] } },
    ],
    podCgroup: (uid) => (uid === 'u1' ? podCgroup : undefined),
    volumes: (uid) => (uid === 'u1' ? [{ name: 'data', usage: { usedBytes: 1024, inodesUsed: 1, truncated: false }, ephemeral: true, time: t }] : []),
  });
  it('reports the node from the root cgroup, its memory available against capacity', () => {
    assert.equal(s.node.nodeName, 'n1');
    assert.deepEqual(s.node.cpu, { time: '2026-11-27T10:00:05Z', usageCoreNanoSeconds: 9e9, usageNanoCores: 500_000_000 });
    assert.equal(s.node.memory!.availableBytes, 5000);
    assert.equal(s.node.network!.name, 'eth0');
    assert.equal(s.node.systemContainers![0].name, 'pods');
  });
  it('lists only pods with samples, with containers, network, volumes and ephemeral storage', () => {
    assert.deepEqual(s.pods.map((p) => p.podRef.name), ['web']);
    const p = s.pods[0];
    assert.equal(p.startTime, '2026-11-27T08:59:59Z');
    assert.equal(p.memory!.workingSetBytes, 700);
    assert.equal(p.network!.txBytes, 20);
    assert.equal(p.process_stats!.process_count, 2);
    assert.equal(p.containers[0].name, 'main');
    assert.equal(p.containers[0].startTime, '2026-11-27T09:00:00Z');
    assert.equal(p.containers[0].rootfs!.usedBytes, 4096);
    assert.equal(p.containers[0].logs!.usedBytes, 8192);
    assert.equal(p.volume![0].usedBytes, 1024);
    assert.equal(p['ephemeral-storage']!.usedBytes, 4096 + 8192 + 1024);
  });
});

describe('resource and cAdvisor metrics', () => {
  const view = { refs: () => [{ id: '/', cgroupPath: '/' }, podRef, container], latest };
  it('renders upstream resource metrics with sample timestamps', () => {
    const text = renderResourceMetrics(view);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="main",namespace="ns",pod="web"\} 1\.5 1795773605250$/m);
    assert.match(text, /^pod_memory_working_set_bytes\{namespace="ns",pod="web"\} 700 1795773605250$/m);
    assert.match(text, /^node_memory_working_set_bytes 5000 1795773605250$/m);
    assert.match(text, /^container_start_time_seconds\{container="main",namespace="ns",pod="web"\} 1795770000 1795770000000$/m);
    assert.match(text, /^# TYPE node_cpu_usage_seconds_total counter$/m);
    assert.match(text, /^scrape_error 0$/m);
  });
  it('renders cAdvisor series with its labels; network on the pod, not the container', () => {
    const text = renderCadvisorMetrics(view, { numCores: 2, memoryCapacityBytes: 10_000 });
    assert.match(text, /^container_cpu_cfs_throttled_seconds_total\{container="main",id="\/kubepods\/besteffort\/podu1\/c1",image="busybox",name="c1",namespace="ns",pod="web"\} 2 /m);
    assert.match(text, /^container_network_receive_bytes_total\{container="",id="\/kubepods\/besteffort\/podu1",image="",name="",namespace="ns",pod="web",interface="eth0"\} 10 /m);
    assert.doesNotMatch(text, /container_network_receive_bytes_total\{container="main"/);
    assert.match(text, /^container_fs_usage_bytes\{container="main",[^}]*device=""\} 12288 /m);
    assert.match(text, /^machine_cpu_cores 2$/m);
  });
  it('escapes label values', () => {
    const text = new MetricFamilies().family('x', 'gauge', 'h').sample('x', { a: 'q"\\\n' }, 1).render();
    assert.equal(text, '# HELP x h\n# TYPE x gauge\nx{a="q\\"\\\\\\n"} 1\n');
  });
});

describe('containerRefs', () => {
  const sandbox = { id: 's1', state: 'SANDBOX_READY', metadata: { name: 'web', namespace: 'ns', uid: 'u1', attempt: 0 }, labels: { 'io.kubernetes.pod.uid': 'u1' } } as unknown as PodSandbox;
  const c = (id: string, state: string, sandboxId = 's1') =>
    ({ id, podSandboxId: sandboxId, state, createdAt: 1.5e18, image: { image: 'sha256:abc', userSpecifiedImage: '' }, imageRef: 'sha256:abc', labels: { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'ns', 'io.kubernetes.container.name': `n-${id}` } }) as unknown as Container;
  it('keeps running containers of ready sandboxes whose pod cgroup is known', () => {
    const refs = containerRefs({
      sandboxes: [sandbox],
      containers: [c('b', 'CONTAINER_RUNNING'), c('a', 'CONTAINER_EXITED'), c('x', 'CONTAINER_RUNNING', 'gone')],
      podCgroup: (uid) => (uid === 'u1' ? podCgroup : undefined),
      sandboxPid: () => 42,
      writableLayers: new Map([['b', { usedBytes: 5, inodesUsed: 1, truncated: false }]]),
      logDir: (ns, pod, uid, name) => `/logs/${ns}_${pod}_${uid}/${name}`,
    });
    assert.equal(refs.length, 1);
    assert.deepEqual(refs[0], {
      id: 'b', cgroupPath: `${podCgroup}/b`, pid: 42, podUid: 'u1', name: 'n-b', namespace: 'ns', pod: 'web', image: 'sha256:abc',
      fsPaths: { logs: '/logs/ns_web_u1/n-b' }, createdAt: new Date(1.5e12), rootfs: { usedBytes: 5, inodesUsed: 1, truncated: false },
    });
  });
});
