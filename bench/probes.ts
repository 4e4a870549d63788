// `npm run bench -- probes [--pods N] [--seconds N] [--warmup N] [--batch N] [--profile-kubelet DIR] [--without-probes]`:
// what probing costs the kubelet. N pods (110, the default maxPods; BENCH_PODS) on one node, each
// with every kind of probe the issue asks for:
//   container `web`  (busybox httpd): readinessProbe httpGet :8080/index.html every 1 s,
//                                     livenessProbe tcpSocket :8080 every 1 s;
//   container `side` (busybox sleep): livenessProbe exec `cat /var/www/index.html` at the default 10 s.
// A pod has one liveness probe per container, so the exec probe lives in a second container.
//
// Pods are created in batches (each batch Ready before the next), then after a settling pause we
// measure for 120 s (BENCH_SECONDS / --seconds): the kubelet process's CPU and RSS from its own
// /proc entry (containerd and the shims are other processes, reported for context), the probe
// latency p99 from the window's increase of prober_probe_duration_seconds, and probes observed
// against probes due, from the window's increase of prober_probe_total per series.
//
// Targets (--check): the kubelet under 0.1 cores and 200 MiB RSS at 110 probed pods. containerd
// and shims are counted only for the containerd this benchmark started. A batch not Ready in time
// ends the run with a JSON line naming what saturated.
import { flagValue, positive } from './lib/args.ts';
import { setMaxListeners } from 'node:events';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestCluster, type KubeletProcess } from '../test/support/cluster.ts';
import { credentialsFromKubeconfig, TestClient } from '../test/support/client.ts';
import { BUSYBOX_IMAGE } from '../test/support/containerd.ts';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './lib/cpuprofile.ts';
import { cpuByGroup, ownContainerd, sampleProcess, startCpuMeter, type Grouper } from './lib/proc.ts';
import { p99IsMax } from './lib/quantile.ts';
import { saturation } from './lib/saturation.ts';
import type { Target } from './lib/targets.ts';
import { atTeardown } from './lib/teardown.ts';
import { bucketQuantile, delta, mergedBuckets, parsePromText, sumBy, type Sample } from './lib/promtext.ts';

const NODE = 'probes-node';
const NS = 'default';
const LABEL = 'bench=probes';
const SAMPLE_EVERY_MS = 2_000;
const BATCH_TIMEOUT_MS = 180_000;
/** Probe periods as the manifest sets them (exec keeps upstream's default of 10 s). */
export const PERIOD_SECONDS: Record<string, number> = { 'web/Readiness': 1, 'web/Liveness': 1, 'side/Liveness': 10 };
/** The test cluster's fast heartbeat flags, put back to upstream's defaults (the last flag wins). */
const DEFAULT_FREQUENCIES = ['--node-status-update-frequency', '10s', '--node-lease-duration-seconds', '40', '--file-check-frequency', '20s'];

export const targets: Target[] = [
  { key: 'kubelet_cpu_cores', op: '<', bound: 0.1, at: { pods: 110, probes: true }, source: 'issue #13: kubelet < 0.1 cores at 110 probed pods' },
  { key: 'kubelet_rss_mib_max', op: '<', bound: 200, at: { pods: 110, probes: true }, source: 'issue #13: kubelet RSS < 200 MiB at 110 probed pods' },
];

interface Settings { pods: number; seconds: number; warmupSeconds: number; batch: number; profileDir?: string; withProbes: boolean }

function settingsFrom(argv: string[]): Settings {
  const flag = (name: string) => flagValue(argv, name);
  return {
    pods: Math.floor(positive(flag('pods') ?? process.env.BENCH_PODS, 110, '--pods')),
    seconds: positive(flag('seconds') ?? process.env.BENCH_SECONDS, 120, '--seconds'),
    warmupSeconds: positive(flag('warmup') ?? process.env.BENCH_WARMUP, 20, '--warmup'),
    batch: Math.floor(positive(flag('batch'), 10, '--batch')),
    profileDir: flag('profile-kubelet'),
    // The same pods without probes: the kubelet's floor, so that probing's own share shows.
    withProbes: !argv.includes('--without-probes'),
  };
}

export function podManifest(name: string, withProbes = true): object {
  const probes = (o: object) => (withProbes ? o : {});
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'probes' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'web',
          image: BUSYBOX_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          // The image carries /var/www/index.html.
          command: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
          ports: [{ containerPort: 8080 }],
          ...probes({
            readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
            livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
          }),
        },
        {
          name: 'side',
          image: BUSYBOX_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '864000'],
          ...probes({ livenessProbe: { exec: { command: ['cat', '/var/www/index.html'] } } }),
        },
      ],
    },
  };
}

const isReady = (pod: any) => pod?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') === true;

/**
 * Probes due and observed over a window, from two scrapes of /metrics/probes. What is due comes from
 * the pods we made (pods × window / period per probe), so a probe that never ran counts as missed. Pure.
 */
export function probeCounts(before: Sample[], after: Sample[], windowSeconds: number, pods: number): {
  expected: number; observed: number; missed: number; seriesShort: number; byProbe: Record<string, { expected: number; observed: number; failed: number; series: number }>;
} {
  const seriesOf = (k: string) => Object.fromEntries(JSON.parse(k) as [string, string][]);
  const notOk = (ss: Sample[]) => ss.filter((x) => x.labels.result !== 'successful');
  const totals = delta(sumBy(before, 'prober_probe_total', ['result']), sumBy(after, 'prober_probe_total', ['result']));
  const failed = delta(sumBy(notOk(before), 'prober_probe_total', ['result']), sumBy(notOk(after), 'prober_probe_total', ['result']));
  const byProbe = Object.fromEntries(Object.entries(PERIOD_SECONDS).map(([probe, period]) => [probe, { expected: Math.round((pods * windowSeconds) / period), observed: 0, failed: 0, series: 0 }]));
  let seriesShort = 0;
  for (const [k, n] of totals) {
    const l = seriesOf(k);
    const probe = `${l.container}/${l.probe_type}`;
    const b = byProbe[probe];
    if (!b) continue;
    // The window's edges fall anywhere between two ticks: one short is rounding, not a missed probe.
    if (n < Math.floor(windowSeconds / PERIOD_SECONDS[probe]!) - 1) seriesShort++;
    b.observed += n;
    b.failed += failed.get(k) ?? 0;
    b.series++;
  }
  for (const b of Object.values(byProbe)) seriesShort += Math.max(0, pods - b.series);
  const expected = Object.values(byProbe).reduce((a, b) => a + b.expected, 0);
  const observed = Object.values(byProbe).reduce((a, b) => a + b.observed, 0);
  // Per probe, so that a surplus of one kind (a window edge) cannot hide a deficit of another.
  const missed = Object.values(byProbe).reduce((a, b) => a + Math.max(0, b.expected - b.observed), 0);
  return { expected, observed, missed, seriesShort, byProbe };
}

/**
 * p99 of the window's probe durations (all series, or one probe type), from cumulative buckets,
 * and how many probes it is over. Under 100 probes it is the largest one's bucket bound instead,
 * and `isMax` says so. Pure.
 */
export function windowP99Ms(before: Sample[], after: Sample[], filter: (l: Record<string, string>) => boolean = () => true): { ms: number; samples: number; isMax: boolean } {
  const b0 = mergedBuckets(before, 'prober_probe_duration_seconds', filter);
  const b1 = mergedBuckets(after, 'prober_probe_duration_seconds', filter);
  const d = new Map([...b1].map(([le, c]) => [le, c - (b0.get(le) ?? 0)]));
  const samples = d.get(Infinity) ?? 0;
  const isMax = p99IsMax(samples);
  return { ms: Number((bucketQuantile(isMax ? 1 : 0.99, d) * 1000).toFixed(1)), samples, isMax };
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, kubelet: KubeletProcess, everyMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (kubelet.proc.exitCode !== null || kubelet.proc.signalCode !== null) throw new Error(`kubelet exited before ${what}:\n${kubelet.log()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

export async function run(argv: string[] = []): Promise<Record<string, unknown>> {
  const s = settingsFrom(argv);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const cluster = await startTestCluster();
  const stopCluster = atTeardown('test cluster', () => cluster.stop());
  let admin: TestClient | undefined;
  const names = Array.from({ length: s.pods }, (_, i) => `probes-${String(i).padStart(3, '0')}`);
  try {
    // The kubelet inherits this environment: with --profile-kubelet it writes a CPU profile on exit.
    const nodeOptions = process.env.NODE_OPTIONS;
    if (s.profileDir) {
      await mkdir(s.profileDir, { recursive: true });
      process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${join(import.meta.dirname, 'lib', 'cpu-profile-preload.mjs')}`.trim();
      process.env.BERTH_CPU_PROFILE_DIR = s.profileDir;
    }
    let kubelet: KubeletProcess;
    try {
      kubelet = await cluster.startKubelet(NODE, DEFAULT_FREQUENCIES);
    } finally {
      if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = nodeOptions;
      delete process.env.BERTH_CPU_PROFILE_DIR;
    }
    const pid = kubelet.proc.pid!;
    admin = new TestClient(credentialsFromKubeconfig(cluster.kubeconfig), 32);
    const client = admin;
    const ok = async (path: string) => (await client.request('GET', path)).status === 200;
    await until('the node to register', () => ok(`/api/v1/nodes/${NODE}`), 60_000, kubelet, 250);
    await until('the default ServiceAccount', () => ok(`/api/v1/namespaces/${NS}/serviceaccounts/default`), 60_000, kubelet, 250);
    const listPods = async () => (await client.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(LABEL)}`)).json().items as any[];

    const groups: Grouper = (p, argv) => (p === pid ? 'kubelet' : ownContainerd(cluster.ctrd)(p, argv));
    const probeScrape = async () => {
      const r = await client.request('GET', `/api/v1/nodes/${NODE}/proxy/metrics/probes`);
      return r.status === 200 ? parsePromText(r.text) : [];
    };

    // Batches, each Ready before the next: 110 sandboxes at once would swamp a 2-core machine.
    const createStart = performance.now();
    for (let i = 0; i < names.length; i += s.batch) {
      const batch = names.slice(i, i + s.batch);
      const meter = startCpuMeter(groups);
      const batchStart = performance.now();
      const probes0 = s.withProbes ? await probeScrape() : [];
      await Promise.all(batch.map(async (name) => {
        const r = await client.request('POST', `/api/v1/namespaces/${NS}/pods`, podManifest(name, s.withProbes));
        if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
      }));
      const want = i + batch.length;
      let ready = 0;
      try {
        await until(`${want} pods Ready`, async () => (ready = (await listPods()).filter(isReady).length) >= want, BATCH_TIMEOUT_MS, kubelet);
      } catch (err) {
        if (!/^timed out/.test((err as Error).message)) throw err;
        // No steady state to measure: say what ran out instead of only that time did.
        const cpu = meter();
        const p99 = s.withProbes ? windowP99Ms(probes0, await probeScrape()) : undefined;
        const sat = saturation({
          cpuSeconds: cpu.cpuSeconds, wallSeconds: (performance.now() - batchStart) / 1000, machineBusyPct: cpu.machineBusyPct,
          loadAverage1m: loadavg()[0]!, cores: availableParallelism(), probeP99Ms: p99?.samples ? p99.ms : undefined, probePeriodMs: 1000,
        });
        const error = `only ${ready} of ${want} pods Ready ${BATCH_TIMEOUT_MS / 1000} s after batch ${i / s.batch + 1} of ${Math.ceil(names.length / s.batch)} was created: saturated: ${sat.saturated.join('; ')}`;
        console.log(JSON.stringify({ bench: 'probes', pods: s.pods, error, saturated: sat.saturated, ...sat.facts }));
        throw new Error(error);
      }
    }
    const allReadyS = (performance.now() - createStart) / 1000;
    await sleep(s.warmupSeconds * 1000);

    // The window.
    const scrape = async () => {
      const sent = performance.now();
      const r = await client.request('GET', `/api/v1/nodes/${NODE}/proxy/metrics/probes`);
      if (r.status !== 200) throw new Error(`scrape /metrics/probes: ${r.status} ${r.text.slice(0, 300)}`);
      return { samples: parsePromText(r.text), at: (sent + performance.now()) / 2 };
    };
    const { samples: before, at: beforeAt } = await scrape();
    const mono0 = process.hrtime.bigint();
    const others0 = cpuByGroup(ownContainerd(cluster.ctrd));
    const self0 = process.cpuUsage();
    const w = await sampleProcess(pid, s.seconds, SAMPLE_EVERY_MS, 500, () => {
      if (kubelet.proc.exitCode !== null || kubelet.proc.signalCode !== null) throw new Error(`kubelet exited during the window:\n${kubelet.log()}`);
    });
    const others1 = cpuByGroup(ownContainerd(cluster.ctrd));
    const self1 = process.cpuUsage(self0);
    const mono1 = process.hrtime.bigint();
    const wallSeconds = w.wallSeconds;
    const { samples: after, at: afterAt } = await scrape();
    // The scrapes bracket the window: count probes over the time between their midpoints.
    const countSeconds = (afterAt - beforeAt) / 1000;
    const readyAtEnd = (await listPods()).filter(isReady).length;
    const restarts = (await listPods()).reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: any) => m + (c.restartCount ?? 0), 0), 0);

    const counts = probeCounts(before, after, countSeconds, s.pods);
    const p99 = windowP99Ms(before, after);
    const p99By = Object.fromEntries(Object.keys(PERIOD_SECONDS).map((probe) => {
      const [container, type] = probe.split('/');
      return [probe, windowP99Ms(before, after, (l) => l.container === container && l.probe_type === type)];
    }));
    const p99IsMaxBy = Object.entries(p99By).filter(([, v]) => v.isMax).map(([k]) => k);
    const cores = w.cores;
    const otherCores = (g: string) => round(Math.max(0, (others1[g] ?? 0) - (others0[g] ?? 0)) / wallSeconds, 4);
    const mib = (kib: number) => round(kib / 1024, 1);

    // Profile: stop the kubelet gracefully so the preload writes it, then keep the window's samples.
    let profile: ProfileSummary | undefined;
    if (s.profileDir) profile = await windowProfile(s.profileDir, pid, () => cluster.killKubelet(NODE, 'SIGTERM'), mono0, mono1);

    const result = {
      bench: 'probes',
      pods: s.pods,
      containers_per_pod: 2,
      seconds: round(wallSeconds, 1),
      warmup_seconds: s.warmupSeconds,
      all_ready_after_s: round(allReadyS, 1),
      kubelet_cpu_cores: round(cores, 4),
      kubelet_cpu_cores_max_2s: round(w.maxIntervalCores, 4),
      kubelet_children_cpu_cores: round(w.childCores, 4),
      kubelet_rss_mib_mean: mib(w.rssKib.reduce((a, b) => a + b, 0) / w.rssKib.length),
      kubelet_rss_mib_max: mib(Math.max(...w.rssKib)),
      containerd_cpu_cores: otherCores('containerd'),
      shims_cpu_cores: otherCores('shims'),
      bench_process_cpu_cores: round((self1.user + self1.system) / 1e6 / wallSeconds, 4),
      probes: s.withProbes,
      ...(s.withProbes
        ? {
            probe_p99_ms: p99.ms,
            probe_p99_ms_by_probe: Object.fromEntries(Object.entries(p99By).map(([k, v]) => [k, v.ms])),
            probe_samples: p99.samples,
            // Fewer than 100 probes in the window: the p99 is the largest probe's bucket bound.
            ...(p99.isMax || p99IsMaxBy.length ? { probe_p99_is_max: p99.isMax, probe_p99_is_max_for: p99IsMaxBy } : {}),
            probes_expected: counts.expected,
            probes_observed: counts.observed,
            probes_missed: counts.missed,
            probes_by_probe: counts.byProbe,
            series_short_by_2_or_more: counts.seriesShort,
          }
        : {}),
      pods_ready_at_end: readyAtEnd,
      container_restarts: restarts,
      under_tenth_core: cores < 0.1,
      upstream_reference: { kubelet_cpu_cores_p50: 0.35, kubelet_rss_mib: 300, pods: 100, note: 'upstream node performance test limits at 100 pods' },
      ...(profile ? { kubelet_profile_window: profile } : {}),
      note:
        'Each pod: container web (busybox httpd) with readiness httpGet /index.html:8080 and liveness tcpSocket :8080, both periodSeconds 1, and container side (busybox sleep) with an exec liveness probe `cat /var/www/index.html` at the default 10 s: a container has one liveness probe, so the exec one needs a second container (2 containers per pod). ' +
        'Heartbeat flags at upstream defaults. CPU: utime+stime of the kubelet process over the window, in cores; RSS: VmRSS every 2 s. containerd/shims: the same from /proc of the containerd this benchmark started and the shims serving its socket (no other containerd on the machine) (cutime included, so runc exec under a shim counts to shims). bench_process holds the in-process API server. ' +
        'probe_p99_ms: approximate, interpolated in the window\'s increase of the prober_probe_duration_seconds buckets (default Prometheus buckets, so coarse) over all series; the kubelet times each probe from start to result. ' +
        'probes_expected: pods x window/period per probe (window between the midpoints of the two /metrics/probes scrapes); observed: increase of prober_probe_total (all results); missed: sum per probe of max(0, expected - observed); series_short_by_2_or_more counts series that missed at least one tick beyond the window-edge rounding. The worker skips a tick rather than bunching when late, so late probes show up as missed.',
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    stop.abort();
    // Delete the pods through the kubelet (grace 0), so it tears the sandboxes down as in real life;
    // whatever is left dies with the test containerd.
    if (admin) {
      const client = admin;
      const k = cluster.kubelets.get(NODE);
      if (k && k.proc.exitCode === null && k.proc.signalCode === null) {
        await Promise.all(names.map((n) => client.request('DELETE', `/api/v1/namespaces/${NS}/pods/${n}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }).catch(() => undefined)));
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline && (await cluster.ctrd.cri.listPodSandbox().catch(() => [])).length > 0) await sleep(1000);
      }
      client.close();
    }
    await stopCluster();
  }
}

/** Stops the kubelet (its profile is written on exit) and summarizes the profile's samples inside the window. */
async function windowProfile(dir: string, pid: number, stopKubelet: () => Promise<void>, mono0: bigint, mono1: bigint): Promise<ProfileSummary> {
  await stopKubelet();
  const file = (await readdir(dir)).find((f) => f === `kubelet-${pid}.cpuprofile`);
  if (!file) throw new Error(`no CPU profile kubelet-${pid}.cpuprofile in ${dir}`);
  const p = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  return summarizeProfile(p, { fromUs: Number(mono0 / 1000n), toUs: Number(mono1 / 1000n) }, 20);
}
