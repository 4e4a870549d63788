// The assembled kubelet on the fake runtime and a fake API server (no containerd): pod
// management runs pods the API binds to the node and, when one is deleted in the middle of an
// image pull, starts its termination at once while another pod's sync carries on; the whole
// kubelet's /healthz fails while a pod worker is stuck past the threshold and recovers after.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeList, KubeObject } from '../../../src/api/object.ts';
import type { EnvVar, Node, Pod } from '../../../src/api/core/index.ts';
import { parseQuantity } from '../../../src/api/quantity.ts';
import { newPodManagement, newPodSources, newProbeResultsChannel } from '../../../src/kubelet/assembly/index.ts';
import type { PodChange } from '../../../src/kubelet/config/index.ts';
import type { ProbeUpdate } from '../../../src/kubelet/prober/index.ts';
import type { ApiClient, KubeClient, WatchChange, WatchOptions } from '../../../src/kubelet/client/client.ts';
import { FakeClock, settle } from '../../../src/kubelet/clock.ts';
import { startKubelet } from '../../../src/kubelet/kubelet.ts';
import { silentLogger } from '../../../src/kubelet/log.ts';
import type { MachineInfo } from '../../../src/kubelet/nodestatus/machine.ts';
import { defaultOptions, type KubeletOptions } from '../../../src/kubelet/options/options.ts';
import { PodManager } from '../../../src/kubelet/pod/manager.ts';
import { FakeApi } from './fakeapi.ts';
import { GatedRuntime, until } from './gated_runtime.ts';

const NODE = 'node-1';

// Issue #14 item 12: every kubelet start printed MaxListenersExceededWarning, its loops and
// workers all waiting on the one lifetime signal. Whole kubelets run in this file: none may warn.
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
before(() => process.on('warning', onWarning));
after(() => {
  process.off('warning', onWarning);
  assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
});

/** FakeApi plus what the API source needs: a pod list and a watch of the node's pods. */
class PodApi implements ApiClient, Pick<KubeClient, 'watch'> {
  readonly store = new FakeApi();
  private readonly watchers = new Set<(ev: WatchChange<Pod>) => void>();

  get: ApiClient['get'] = (path) => this.store.get(path);
  create: ApiClient['create'] = (path, body) => this.store.create(path, body);
  update: ApiClient['update'] = (path, body) => this.store.update(path, body);
  patch: ApiClient['patch'] = async (path, body, type) => {
    const pod = await this.store.patch(path, body, type);
    if (path.includes('/pods/')) this.emit('MODIFIED', pod);
    return pod as never;
  };

  async list<T extends KubeObject>(): Promise<KubeList<T>> {
    return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items: this.pods() as KubeObject[] as T[] };
  }

  async delete(path: string): Promise<unknown> {
    const pod = this.store.objects.get(path);
    if (!pod) throw Object.assign(new Error('not found'), { code: 404 });
    this.store.objects.delete(path);
    this.emit('DELETED', pod);
    return {};
  }

  async *watch<T extends KubeObject>(_path: string, o: WatchOptions): AsyncGenerator<WatchChange<T>> {
    const queue: WatchChange<Pod>[] = [];
    let wake: (() => void) | undefined;
    const push = (ev: WatchChange<Pod>) => {
      queue.push(ev);
      wake?.();
    };
    this.watchers.add(push);
    try {
      while (!o.signal.aborted) {
        const ev = queue.shift();
        if (ev) {
          yield ev as unknown as WatchChange<T>; // only pods are watched here
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          o.signal.addEventListener('abort', () => r(), { once: true });
        });
      }
    } finally {
      this.watchers.delete(push);
    }
  }

  /** Creates or changes a pod, as a client of the API server would. */
  setPod(pod: KubeObject): void {
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    const existed = this.store.objects.has(path);
    this.emit(existed ? 'MODIFIED' : 'ADDED', this.store.put(path, pod));
  }

  pod(name: string): KubeObject | undefined {
    return this.store.objects.get(`/api/v1/namespaces/default/pods/${name}`);
  }

  private pods(): Pod[] {
    return [...this.store.objects.entries()].filter(([p]) => p.includes('/pods/')).map(([, o]) => structuredClone(o) as Pod).filter((o) => o.spec?.nodeName === NODE);
  }

  private emit(type: WatchChange<Pod>['type'], object: KubeObject): void {
    // This fake serves pods only.
    for (const w of this.watchers) w({ type, object: structuredClone(object) as Pod });
  }
}

function apiPod(name: string, image: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: NODE, restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'Default',
      containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
    },
  };
}

function options(): KubeletOptions {
  const dir = mkdtempSync(join(tmpdir(), 'berth-assembly-'));
  return {
    ...defaultOptions(),
    hostnameOverride: NODE, rootDir: join(dir, 'kubelet'), podLogsDir: join(dir, 'logs'), cgroupsPerQOS: false,
    port: 0, healthzPort: 0, cadvisorPort: 0, failSwapOn: false,
  };
}

function runtime(clock: FakeClock): GatedRuntime {
  const cri = new GatedRuntime({ now: () => clock.now() });
  cri.addImage('localhost/busybox:1.35');
  cri.registry.set('localhost/slow:1', { size: 1 });
  cri.registry.set('localhost/slow:2', { size: 1 });
  return cri;
}

/** The runtime's running container of a pod, by the pod's name. */
const runningIn = (cri: GatedRuntime, name: string) =>
  [...cri.containers.values()].some((c) => c.state === 'CONTAINER_RUNNING' && cri.sandboxes.get(c.sandboxId)?.config.metadata?.name === name);
const sandboxOf = (cri: GatedRuntime, name: string) => [...cri.sandboxes.values()].find((s) => s.config.metadata?.name === name);
/** The environment the runtime was given for a pod's container, by the pod's name. */
function envOf(cri: GatedRuntime, name: string): Record<string, string> {
  const c = [...cri.containers.values()].find((c) => cri.sandboxes.get(c.sandboxId)?.config.metadata?.name === name);
  return Object.fromEntries((c?.config.envs ?? []).map((e) => [e.key, e.value]));
}
function withEnv(pod: Pod, env: EnvVar[]): Pod {
  pod.spec.containers[0].env = env;
  return pod;
}

/** Starts a whole kubelet, moving the fake clock while it waits (on it) for the runtime's first answer. */
async function startOnFakeClock(o: KubeletOptions, signal: AbortSignal, deps: { clock: FakeClock; api: PodApi; cri: GatedRuntime; machine: MachineInfo }) {
  const starting = startKubelet(o, signal, { ...deps, log: silentLogger });
  let started = false;
  void starting.then(() => (started = true));
  while (!started) await deps.clock.advance(100);
  return starting;
}

function machineInfo(): MachineInfo {
  return {
    numCores: 4, memoryCapacityBytes: 8 * 1024 ** 3, hugepages: {}, machineID: 'm', systemUUID: 's', bootID: 'b',
    kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64',
  };
}

/** Pod management on the fake runtime and API, with the node's IPs as nodeIPs says. */
function podManagement(nodeIPs: () => string[]) {
  const clock = new FakeClock();
  const cri = runtime(clock);
  const api = new PodApi();
  const stop = new AbortController();
  const pm = newPodManagement({
    options: options(), nodeName: NODE, nodeUid: () => undefined, nodeIPs,
    allocatable: () => ({ cpu: '4', memory: '8Gi' }), memoryCapacityBytes: 8 * 1024 ** 3,
    node: () => ({ metadata: { name: NODE, labels: { 'kubernetes.io/os': 'linux' } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } }) as Node,
    pods: new PodManager(), api, cri, clock, log: silentLogger, signal: stop.signal,
  });
  return { clock, cri, api, stop, pm };
}

describe('pod management, assembled', () => {
  it('runs the API’s pods; deleting one mid-pull starts its termination at once and leaves the others be', async () => {
    const { clock, cri, api, stop, pm } = podManagement(() => ['192.168.1.10']);
    const releaseA = cri.holdPulls('localhost/slow:1');
    const releaseB = cri.holdPulls('localhost/slow:2');
    api.setPod(apiPod('ready', 'localhost/busybox:1.35'));
    api.setPod(apiPod('a', 'localhost/slow:1'));
    api.setPod(apiPod('b', 'localhost/slow:2'));
    const loops = pm.run();
    await until(() => runningIn(cri, 'ready') && cri.pullsStarted.length === 2, 'one pod running, two pulling');
    assert.equal(pm.pods().length, 3);

    const stopsBefore = cri.callsOf('stopPodSandbox').length;
    const t0 = performance.now();
    api.setPod({ ...api.pod('a')!, metadata: { ...api.pod('a')!.metadata, deletionTimestamp: clock.now().toISOString(), deletionGracePeriodSeconds: 30 } });
    await until(() => cri.callsOf('stopPodSandbox').slice(stopsBefore).some((c) => c.args[0] === sandboxOf(cri, 'a')?.id), 'pod a being terminated');
    const took = performance.now() - t0;
    assert.ok(took < 1_000, `termination started ${took} ms after the deletion`);
    assert.deepEqual(cri.cancelled, ['pullImage localhost/slow:1'], 'only pod a’s pull was cancelled');

    releaseB();
    await until(() => runningIn(cri, 'b'), 'pod b running');
    assert.ok(runningIn(cri, 'ready'));
    releaseA();
    stop.abort();
    await Promise.all(loops);
  });
});

describe('container environment, assembled', () => {
  it('takes status.hostIP(s) from the node’s addresses as they are when each container starts', async () => {
    let nodeIPs = ['192.168.1.10'];
    const { cri, api, stop, pm } = podManagement(() => nodeIPs);
    const hostEnv: EnvVar[] = [
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'HOST_IPS', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } },
    ];
    api.setPod(withEnv(apiPod('first', 'localhost/busybox:1.35'), hostEnv));
    const loops = pm.run();
    await until(() => runningIn(cri, 'first'), 'the first pod running');
    nodeIPs = ['192.168.1.20', 'fd00::20'];
    api.setPod(withEnv(apiPod('second', 'localhost/busybox:1.35'), hostEnv));
    await until(() => runningIn(cri, 'second'), 'the second pod running');
    assert.deepEqual([envOf(cri, 'first').HOST_IP, envOf(cri, 'first').HOST_IPS], ['192.168.1.10', '192.168.1.10']);
    assert.deepEqual([envOf(cri, 'second').HOST_IP, envOf(cri, 'second').HOST_IPS], ['192.168.1.20', '192.168.1.20,fd00::20']);
    stop.abort();
    await Promise.all(loops);
  });

  it('gives a container without limits the node’s allocatable, in env and in downwardAPI volumes', async () => {
    const clock = new FakeClock();
    const cri = runtime(clock);
    const api = new PodApi();
    const pod = withEnv(apiPod('limits', 'localhost/busybox:1.35'), [
      { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'MEMORY_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    ]);
    pod.spec.containers[0].volumeMounts = [{ name: 'podinfo', mountPath: '/etc/podinfo' }];
    pod.spec.volumes = [{ name: 'podinfo', downwardAPI: { items: [
      { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
      { path: 'memory_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
    ] } }];
    api.setPod(pod);
    // Capacity 4 cores and 8Gi; allocatable 3 cores and 7Gi.
    const o = { ...options(), systemReserved: { cpu: parseQuantity('1'), memory: parseQuantity('1Gi') }, evictionHard: [] };
    const stop = new AbortController();
    const kubelet = await startOnFakeClock(o, stop.signal, { clock, api, cri, machine: machineInfo() });
    await until(() => runningIn(cri, 'limits'), 'the pod running');
    assert.deepEqual([envOf(cri, 'limits').CPU_LIMIT, envOf(cri, 'limits').MEMORY_LIMIT], ['3', '7168']);
    const volume = join(o.rootDir, 'pods', 'uid-limits', 'volumes', 'kubernetes.io~downward-api', 'podinfo');
    assert.deepEqual([readFileSync(join(volume, 'cpu_limit'), 'utf8'), readFileSync(join(volume, 'memory_limit'), 'utf8')], ['3', '7168']);
    stop.abort();
    await kubelet.done;
  });
});

describe('the sync loop’s input channels, assembled', () => {
  it('lose no pod change, however many wait (PodConfig has applied them already)', () => {
    const { updates } = newPodSources({
      options: { ...defaultOptions(), staticPodPath: '', manifestURL: '' }, nodeName: NODE, clock: new FakeClock(), log: silentLogger, signal: new AbortController().signal,
    });
    const sent: PodChange[][] = Array.from({ length: 5_000 }, (_, i) => [{ op: i % 2 ? 'ADD' : 'REMOVE', source: 'file', pods: [apiPod(`p${i}`, 'x')] }]);
    for (const c of sent) assert.equal(updates.trySend(c), true);
    assert.deepEqual(updates.drain(), sent);
  });

  it('keep the newest probe result of each container and probe, in order, dropping none', () => {
    const probes = newProbeResultsChannel();
    const u = (containerId: string, probeType: ProbeUpdate['probeType'], result: ProbeUpdate['result']): ProbeUpdate => ({ podUid: 'p', containerId, probeType, result });
    for (let i = 0; i < 5_000; i++) {
      assert.equal(probes.trySend(u(`c${i % 3}`, 'Readiness', i % 2 ? 'success' : 'failure')), true);
    }
    probes.trySend(u('c0', 'Liveness', 'failure'));
    assert.deepEqual(probes.drain(), [u('c0', 'Readiness', 'failure'), u('c1', 'Readiness', 'success'), u('c2', 'Readiness', 'success'), u('c0', 'Liveness', 'failure')]);
  });
});

describe('the kubelet, assembled', () => {
  it('answers /healthz with a failing syncloop while a pod worker is stuck, and ok once it moves on', async () => {
    const clock = new FakeClock();
    const cri = runtime(clock);
    const api = new PodApi();
    const machine = machineInfo();
    const release = cri.holdPulls('localhost/slow:1');
    api.setPod(apiPod('stuck', 'localhost/slow:1'));
    const stop = new AbortController();
    // Starting waits (on the clock) for the runtime's first answer before reporting node status.
    const kubelet = await startOnFakeClock(options(), stop.signal, { clock, api, cri, machine });
    await until(() => cri.pullsStarted.length === 1, 'the pull to start');
    await until(() => kubelet.healthz().code === 200, 'a healthy kubelet');
    assert.ok(api.store.objects.has(`/api/v1/nodes/${NODE}`), 'the node registered');

    await clock.advance(5 * 60_000 + 1_000);
    const failing = kubelet.healthz(true);
    assert.equal(failing.code, 500);
    assert.match(failing.body, /^\[-\]syncloop failed: no progress: pod worker for "default\/stuck" \(create\) running for 5m[\d.]+s; threshold is 5m0s$/m);
    assert.match(failing.body, /^\[\+\]runtime ok$/m);
    assert.match(failing.body, /^\[\+\]pleg ok$/m);

    release();
    await until(() => runningIn(cri, 'stuck'), 'the pod running');
    assert.deepEqual(kubelet.healthz(), { code: 200, body: 'ok' });
    stop.abort();
    await kubelet.done;
  });
});

describe('image garbage collection, assembled', () => {
  it('runs at start with the configured thresholds: the unused image goes, the sandbox image stays, the Node gets FreeDiskSpaceFailed', async () => {
    const clock = new FakeClock();
    const cri = runtime(clock);
    // The image filesystem is a real directory's: its disk is surely more than 1% used.
    const imagefs = mkdtempSync(join(tmpdir(), 'berth-imagefs-'));
    cri.imageFsInfo = async () => ({ imageFilesystems: [{ timestamp: 0, fsId: { mountpoint: imagefs }, usedBytes: null, inodesUsed: null }], containerFilesystems: [] });
    cri.addImage('registry.k8s.io/pause:3.10');
    const unused = cri.addImage('localhost/unused:1');
    const busyboxId = cri.images.get('localhost/busybox:1.35')!.id;
    const api = new PodApi();
    const o = { ...options(), imageGCHighThresholdPercent: 1, imageGCLowThresholdPercent: 0, imageMinimumGCAgeMs: 0 };
    const stop = new AbortController();
    const kubelet = await startOnFakeClock(o, stop.signal, { clock, api, cri, machine: machineInfo() });
    await until(() => !cri.images.has('localhost/unused:1'), 'the unused image removed');
    // No pod uses busybox either: both go, first detected first (here: in the runtime's order).
    assert.ok(!cri.images.has('localhost/busybox:1.35'));
    assert.deepEqual(cri.callsOf('removeImage').map((c) => (c.args[0] as { image: string }).image).sort(), [unused.id, busyboxId].sort());
    assert.ok(cri.images.has('registry.k8s.io/pause:3.10'), 'the sandbox image (--pod-infra-container-image) stays');
    await until(() => [...api.store.objects.values()].some((e) => (e as { reason?: string }).reason === 'FreeDiskSpaceFailed'), 'the event');
    stop.abort();
    await kubelet.done;
  });
});
