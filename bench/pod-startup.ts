// `npm run bench -- pod-startup`: pod startup latency through the whole stack (POST → scheduler →
// kubelet → containerd → status → watch) for N pods created at once, against the floor of the same
// sandbox + container started directly through CRI (the configs the kubelet gave containerd; see
// lib/cri-floor.ts), in one run. Prints one JSON line.
//
// Options: --pods N (default 50, or BENCH_PODS), --no-warmup (skip the one warm-up pod),
// --trace-cri (a recording proxy between kubelet and containerd: calls per method and per-pod
// stages in the output; it adds a hop, so use it to find where time goes, not for the numbers),
// --profile-kubelet DIR (the kubelet process writes a V8 CPU profile into DIR when it stops).
//
// Targets (--check): p50 within 1.3x the floor's p50, p99 within 1.2x the floor's p99 + 250 ms,
// and the p99 under 5 s (upstream's pod startup SLO). Under 100 pods a p99 is the slowest pod
// (`p99_is_max`).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestCluster, type TestCluster } from '../test/support/cluster.ts';
import { credentialsFromKubeconfig, TestClient } from '../test/support/client.ts';
import { BUSYBOX_IMAGE } from '../test/support/containerd.ts';
import { positive } from './lib/args.ts';
import { ownContainerd, startCpuMeter, type Grouper } from './lib/proc.ts';
import { p99IsMax, percentile as nearestRank } from './lib/quantile.ts';
import { saturation } from './lib/saturation.ts';
import { checkTargets, type Target } from './lib/targets.ts';
import { atTeardown } from './lib/teardown.ts';
import { bareFloorPods, capturePods, removeCapturedPods, runFloor, type CpuReport, type FloorPod } from './lib/cri-floor.ts';
import { startCriTraceProxy, summarizeCalls, type CriCall, type CriTraceProxy } from './lib/cri-trace.ts';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './lib/cpuprofile.ts';

const NODE = 'bench-node';
const NS = 'default';
const LABEL = 'bench';
const LABEL_VALUE = 'pod-startup';
const COMMAND = ['sleep', '3600'];
const TIMEOUT_MS = 90_000;

/** Nearest-rank percentile, rounded to 0.1 ms. */
export const percentile = (values: number[], p: number): number => round(nearestRank(values, p));

function round(v: number): number {
  return Number(v.toFixed(1));
}

/** Running and every container ready: what "started" means to a user watching the pod. */
export function isRunningAndReady(pod: any): boolean {
  if (pod?.status?.phase !== 'Running') return false;
  const want: number = pod.spec?.containers?.length ?? 0;
  const st: any[] = pod.status?.containerStatuses ?? [];
  return st.length === want && st.every((c) => c.ready === true && c.state?.running);
}

const SLO: Target = { key: 'p99_ms', op: '<=', bound: 5000, source: 'upstream pod startup SLO: p99 <= 5 s' };
export const targets: Target[] = [
  { key: 'p50_ms', op: '<=', bound: { key: 'floor_p50_ms', times: 1.3 }, source: 'bench/pod-startup.ts: p50 <= 1.3 x the CRI floor' },
  { key: 'p99_ms', op: '<=', bound: { key: 'floor_p99_ms', times: 1.2, plus: 250 }, source: 'bench/pod-startup.ts: p99 <= 1.2 x the CRI floor + 250 ms' },
  SLO,
];

function podManifest(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { [LABEL]: LABEL_VALUE } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: COMMAND, imagePullPolicy: 'IfNotPresent' }],
    },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = TIMEOUT_MS, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface PodTimes {
  /** performance.now() and Date.now() at the POST's start. */
  start: number;
  startWall: number;
  uid?: string;
  /** When the POST answered 201 (performance.now()). */
  created?: number;
  bound?: number;
  running?: number;
  /** containerd's startedAt of the container, in ms after start. */
  startedMs?: number;
}

interface KubeletPhase {
  latencies: number[];
  /** POST → 201 Created; POST → the watch shows spec.nodeName. */
  created: number[];
  bound: number[];
  /** POST → containerd's sandbox createdAt; POST → container startedAt; startedAt → Running seen. */
  toSandbox: number[];
  toContainerStarted: number[];
  report: number[];
  cleanupMs: number;
  /** When the first POST started (performance.now()) and when the last pod was seen Running. */
  t0: number;
  t1: number;
  /** The same instants on the monotonic clock CPU profiles use (µs). */
  mono0: number;
  mono1: number;
  cpu?: CpuReport;
  pods: PodTimes[];
  /** The same pods for the floor, as the kubelet configured them (when asked for). */
  floorPods: FloorPod[];
}

async function runKubeletPhase(cluster: TestCluster, client: TestClient, names: string[], parent: AbortSignal, groups?: Grouper, captureFloor = false): Promise<KubeletPhase> {
  const watchStop = new AbortController();
  const signal = AbortSignal.any([parent, watchStop.signal]);
  try {
    return await measurePhase(cluster, client, names, signal, groups, captureFloor);
  } finally {
    watchStop.abort();
  }
}

async function measurePhase(cluster: TestCluster, client: TestClient, names: string[], signal: AbortSignal, groups: Grouper | undefined, captureFloor: boolean): Promise<KubeletPhase> {
  const cri = cluster.ctrd.cri;
  const times = new Map<string, PodTimes>();
  const list = await client.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${LABEL}%3D${LABEL_VALUE}`);
  if (list.status !== 200) throw new Error(`list pods: ${list.status} ${list.text}`);
  let done = 0;
  let allRunning!: () => void;
  const running = new Promise<void>((r) => (allRunning = r));
  await client.watch(
    `/api/v1/namespaces/${NS}/pods?watch=1&labelSelector=${LABEL}%3D${LABEL_VALUE}&resourceVersion=${list.json().metadata.resourceVersion}`,
    (ev) => {
      const now = performance.now();
      const t = times.get(ev.object?.metadata?.name);
      if (!t || ev.type === 'DELETED') return;
      if (t.bound === undefined && ev.object.spec?.nodeName) t.bound = now;
      if (t.running === undefined && isRunningAndReady(ev.object)) {
        t.running = now;
        if (++done === names.length) allRunning();
      }
    },
    signal,
  );

  // The client's connections open first, one per pod about to be created: a controller's client
  // is connected before it creates pods (client-go multiplexes one HTTP/2 connection), so TLS
  // handshakes on both ends stay out of pod startup.
  await Promise.all(names.map(() => client.request('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)));
  const meter = groups && startCpuMeter(groups);
  const t0 = performance.now();
  const mono0 = Number(process.hrtime.bigint() / 1000n);
  await Promise.all(
    names.map(async (name) => {
      const t: PodTimes = { start: performance.now(), startWall: Date.now() };
      times.set(name, t);
      const r = await client.request('POST', `/api/v1/namespaces/${NS}/pods`, podManifest(name));
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
      t.created = performance.now();
      t.uid = r.json().metadata.uid;
    }),
  );
  await Promise.race([
    running,
    sleep(TIMEOUT_MS, undefined, { signal }).then(() => {
      let error = `only ${done}/${names.length} pods Running after ${TIMEOUT_MS} ms`;
      if (meter) {
        // No steady state: say what ran out, not only that time did.
        const cpu = meter();
        const sat = saturation({ cpuSeconds: cpu.cpuSeconds, wallSeconds: (performance.now() - t0) / 1000, machineBusyPct: cpu.machineBusyPct, loadAverage1m: loadavg()[0]!, cores: availableParallelism() });
        error += `: saturated: ${sat.saturated.join('; ')}`;
        console.log(JSON.stringify({ bench: 'pod-startup', pods: names.length, error, saturated: sat.saturated, ...sat.facts }));
      }
      throw new Error(error);
    }),
  ]);
  const t1 = performance.now();
  const mono1 = Number(process.hrtime.bigint() / 1000n);
  // Before the deletes: shims that exit take their CPU time with them.
  const cpu = meter?.();

  // Where the time went, from containerd's own timestamps (wall clock, ns).
  const byUid = new Map([...times.values()].map((t) => [t.uid!, t]));
  const toSandbox: number[] = [];
  const toContainerStarted: number[] = [];
  const report: number[] = [];
  for (const sb of await cri.listPodSandbox()) {
    const t = byUid.get(sb.labels['io.kubernetes.pod.uid']);
    if (t) toSandbox.push(sb.createdAt / 1e6 - t.startWall);
  }
  await Promise.all(
    (await cri.listContainers()).map(async (c) => {
      const t = byUid.get(c.labels['io.kubernetes.pod.uid']);
      if (!t) return;
      const st = (await cri.containerStatus(c.id)).status;
      if (!st?.startedAt) return;
      const startedMs = st.startedAt / 1e6 - t.startWall;
      t.startedMs = startedMs;
      toContainerStarted.push(startedMs);
      report.push(t.running! - t.start - startedMs);
    }),
  );

  const floorPods = captureFloor ? await capturePods(cri, new Set(byUid.keys()), cluster.kubelets.get(NODE)!.rootDir) : [];
  const latencies = [...times.values()].map((t) => t.running! - t.start);
  const bound = [...times.values()].filter((t) => t.bound !== undefined).map((t) => t.bound! - t.start);
  const created = [...times.values()].map((t) => t.created! - t.start);

  // Delete them all at once (grace 0) and wait until the runtime holds none of them.
  const cleanStart = performance.now();
  await Promise.all(
    names.map(async (name) => {
      const r = await client.request('DELETE', `/api/v1/namespaces/${NS}/pods/${name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
      if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new Error(`delete ${name}: ${r.status} ${r.text}`);
    }),
  );
  const uids = new Set(byUid.keys());
  await until('the runtime to be empty of benchmark pods', async () => {
    const left = (await cri.listPodSandbox()).filter((sb) => uids.has(sb.labels['io.kubernetes.pod.uid']));
    return left.length === 0 ? true : undefined;
  }, TIMEOUT_MS, 200);
  await until('the API to be empty of benchmark pods', async () => {
    const r = await client.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${LABEL}%3D${LABEL_VALUE}`);
    return r.json().items.length === 0 ? true : undefined;
  }, TIMEOUT_MS, 200);
  return { latencies, created, bound, toSandbox, toContainerStarted, report, cleanupMs: performance.now() - cleanStart, t0, t1, mono0, mono1, cpu, pods: [...times.values()], floorPods };
}

/** Per-pod stages from the CRI trace (calls matched to pods by the UID in their requests), as percentiles. */
function stagesFromTrace(calls: CriCall[], pods: PodTimes[]): Record<string, { p50: number; p99: number }> {
  const stages: Record<string, number[]> = {
    bound_to_first_cri_call: [], first_cri_call_to_run_sandbox: [], run_sandbox_call: [],
    sandbox_to_create_container: [], create_to_container_started: [], container_started_to_running_seen: [],
  };
  for (const p of pods) {
    const mine = calls.filter((c) => p.uid && c.uids.includes(p.uid));
    const first = mine[0];
    const run = mine.find((c) => c.method === 'RunPodSandbox');
    const create = mine.find((c) => c.method === 'CreateContainer');
    if (!first || !run?.end || !create || p.bound === undefined || p.startedMs === undefined) continue;
    const started = p.start + p.startedMs;
    stages.bound_to_first_cri_call.push(first.start - p.bound);
    stages.first_cri_call_to_run_sandbox.push(run.start - first.start);
    stages.run_sandbox_call.push(run.end - run.start);
    stages.sandbox_to_create_container.push(create.start - run.end);
    stages.create_to_container_started.push(started - create.start);
    stages.container_started_to_running_seen.push(p.running! - started);
  }
  return Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, { p50: percentile(v, 50), p99: percentile(v, 99) }]));
}

/** The kubelet's CPU profile cut to the window from the first POST until every pod ran. */
async function kubeletProfile(dir: string, pid: number | undefined, k: KubeletPhase): Promise<ProfileSummary> {
  const file = (await readdir(dir)).find((f) => f === `kubelet-${pid}.cpuprofile`);
  if (!file) throw new Error(`no CPU profile kubelet-${pid}.cpuprofile in ${dir}`);
  const p = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  return summarizeProfile(p, { fromUs: k.mono0, toUs: k.mono1 }, 25);
}

function processGroups(cluster: TestCluster): Grouper {
  const kubelet = cluster.kubelets.get(NODE)?.proc.pid;
  const runtime = ownContainerd(cluster.ctrd);
  return (pid, argv) => {
    if (pid === process.pid) return 'bench_and_apiserver';
    if (pid === kubelet) return 'kubelet';
    return runtime(pid, argv);
  };
}

async function waitNodeReadyAndServiceAccount(client: TestClient): Promise<void> {
  await until('the node Ready', async () => {
    const r = await client.request('GET', `/api/v1/nodes/${NODE}`);
    if (r.status !== 200) return undefined;
    const ready = (r.json().status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    return ready?.status === 'True' ? true : undefined;
  }, 30_000, 200);
  // Pods are admitted only once the namespace's default service account exists.
  await until('the default service account', async () => {
    const r = await client.request('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`);
    return r.status === 200 ? true : undefined;
  }, 30_000, 200);
}

export async function run(args: string[] = []): Promise<Record<string, unknown>> {
  const flag = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const pods = Math.floor(positive(flag('--pods') ?? process.env.BENCH_PODS, 50, '--pods'));
  const warmup = !args.includes('--no-warmup');
  const traceCri = args.includes('--trace-cri');
  const profileDir = flag('--profile-kubelet');
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const began = performance.now();
  // Includes waiting for the machine's one test containerd (a lock), its start and the image imports.
  const cluster = await startTestCluster();
  let proxy: CriTraceProxy | undefined;
  const stopCluster = atTeardown('test cluster', async () => {
    await cluster.stop();
    await proxy?.close();
  });
  const clusterStartS = round((performance.now() - began) / 1000);
  let client: TestClient | undefined;
  try {
    const setupStart = performance.now();
    if (traceCri) proxy = await startCriTraceProxy(cluster.ctrd.address, join(cluster.work, 'cri-trace.sock'));
    // The kubelet inherits this environment: a CPU profile is written when it exits (SIGTERM, below).
    const nodeOptions = process.env.NODE_OPTIONS;
    if (profileDir) {
      // --cpu-prof is not allowed in NODE_OPTIONS; a preloaded module runs the profiler instead.
      process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${join(import.meta.dirname, 'lib', 'cpu-profile-preload.mjs')}`.trim();
      process.env.BERTH_CPU_PROFILE_DIR = profileDir;
    }
    try {
      await cluster.startKubelet(NODE, proxy ? ['--container-runtime-endpoint', `unix://${proxy.path}`] : []);
    } finally {
      if (profileDir) {
        if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = nodeOptions;
        delete process.env.BERTH_CPU_PROFILE_DIR;
      }
    }
    client = new TestClient(credentialsFromKubeconfig(cluster.kubeconfig), pods + 16);
    await waitNodeReadyAndServiceAccount(client);
    const setupMs = performance.now() - setupStart;

    // One pod first, so one-off costs (first sandbox on the node, cold code paths) stay out of the numbers.
    let warmupMs: number | undefined;
    if (warmup) warmupMs = (await runKubeletPhase(cluster, client, ['warmup-0'], stop.signal)).latencies[0];

    const names = Array.from({ length: pods }, (_, i) => `startup-${String(i).padStart(3, '0')}`);
    const k = await runKubeletPhase(cluster, client, names, stop.signal, processGroups(cluster), true);

    // Stop the kubelet so the floor measures containerd alone (and housekeeping leaves its pods be).
    const kubeletPid = cluster.kubelets.get(NODE)?.proc.pid;
    await cluster.killKubelet(NODE, 'SIGTERM');
    const profile = profileDir ? await kubeletProfile(profileDir, kubeletPid, k) : undefined;
    const kubeletRoot = cluster.kubelets.get(NODE)!.rootDir;
    const floor = await runFloor(cluster.ctrd.cri, k.floorPods, { groups: processGroups(cluster) }).finally(() => removeCapturedPods(k.floorPods, kubeletRoot));
    const bare = await runFloor(cluster.ctrd.cri, bareFloorPods(join(cluster.work, 'floor-logs'), pods, BUSYBOX_IMAGE, COMMAND), { groups: processGroups(cluster) });

    const p50 = percentile(k.latencies, 50);
    const p99 = percentile(k.latencies, 99);
    const floorP50 = percentile(floor.latencies, 50);
    const floorP99 = percentile(floor.latencies, 99);
    const headline = { p50_ms: p50, p99_ms: p99, floor_p50_ms: floorP50, floor_p99_ms: floorP99 };
    const result = {
      bench: 'pod-startup',
      pods,
      ...headline,
      // Under 100 pods every *_p99_ms below is the slowest pod's time.
      p99_is_max: p99IsMax(pods),
      ratio_p50: Number((p50 / floorP50).toFixed(2)),
      ratio_p99: Number((p99 / floorP99).toFixed(2)),
      meets_target: checkTargets(headline, targets.filter((t) => t !== SLO)).verdict === 'pass',
      slo_ok: checkTargets(headline, [SLO]).verdict === 'pass',
      // The breakdown: POST → 201 (the API server's share), POST → bound (plus the scheduler's, as
      // seen by the watch), POST → sandbox created
      // and POST → container started (containerd's clocks), container started → Running seen.
      created_p50_ms: percentile(k.created, 50),
      created_p99_ms: percentile(k.created, 99),
      scheduled_p50_ms: percentile(k.bound, 50),
      scheduled_p99_ms: percentile(k.bound, 99),
      sandbox_created_p50_ms: percentile(k.toSandbox, 50),
      sandbox_created_p99_ms: percentile(k.toSandbox, 99),
      container_started_p50_ms: percentile(k.toContainerStarted, 50),
      container_started_p99_ms: percentile(k.toContainerStarted, 99),
      started_to_running_p50_ms: percentile(k.report, 50),
      started_to_running_p99_ms: percentile(k.report, 99),
      // The floor on the same clocks (call → containerd's sandbox createdAt, → container startedAt).
      floor_sandbox_created_p50_ms: percentile(floor.toSandbox, 50),
      floor_sandbox_created_p99_ms: percentile(floor.toSandbox, 99),
      floor_container_started_p50_ms: percentile(floor.toContainerStarted, 50),
      floor_container_started_p99_ms: percentile(floor.toContainerStarted, 99),
      // CPU seconds per process from the first call until every pod runs; 2 cores here, so who competes matters.
      cpu_s: k.cpu?.cpuSeconds,
      machine_busy_pct: k.cpu?.machineBusyPct,
      // The minimal pair (nothing mounted, containerd's default cgroup), for reference only.
      bare_floor_p50_ms: percentile(bare.latencies, 50),
      bare_floor_p99_ms: percentile(bare.latencies, 99),
      floor_cpu_s: floor.cpu.cpuSeconds,
      floor_machine_busy_pct: floor.cpu.machineBusyPct,
      min_ms: percentile(k.latencies, 0),
      floor_min_ms: percentile(floor.latencies, 0),
      warmup_ms: warmupMs === undefined ? null : round(warmupMs),
      cluster_start_s: clusterStartS,
      setup_ms: round(setupMs),
      delete_all_ms: round(k.cleanupMs),
      floor_cleanup_ms: round(floor.cleanupMs),
      total_s: round((performance.now() - began) / 1000),
      ...(profile ? { kubelet_profile: profile, kubelet_profile_window_us: [k.mono0, k.mono1] } : {}),
      ...(proxy ? { cri_trace: summarizeCalls(proxy.calls, k.t0, k.t1), stages: stagesFromTrace(proxy.calls, k.pods) } : {}),
    };
    console.log(JSON.stringify(result));
    return result;
  } catch (err) {
    // The kubelet's own words are what explain a pod that never ran.
    console.error(`kubelet log (tail):\n${cluster.kubelets.get(NODE)?.log().slice(-4000) ?? ''}`);
    throw err;
  } finally {
    stop.abort();
    client?.close();
    await stopCluster();
  }
}
