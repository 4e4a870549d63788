// `npm run bench -- stats`: the built-in cAdvisor over 110 running pods on the real containerd.
// The stats provider runs in this process (nothing else does), so the process's CPU is its cost:
// one housekeeping pass (CPU ms of the collection, and of the whole pass with the runtime
// listing), the loop at the default 10 s and at 1 s (cores), the Summary
// API's latency with a full history, and the history's heap at both intervals.
// Flags: --pods N (110), --duration S at 10 s (60), --fast-duration S at 1 s (30).
// No target is written down for it yet, so `--check` says so (exit 2).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Pod } from '../src/api/core/index.ts';
import { realClock } from '../src/kubelet/clock.ts';
import { createCgroupfs } from '../src/kubelet/cm/index.ts';
import { createLogger } from '../src/kubelet/log.ts';
import type { In, PodSandboxConfig } from '../src/kubelet/runtime/cri/client.ts';
import { readCadvisorMachineInfo } from '../src/kubelet/cadvisor/machine.ts';
import { StatsProvider } from '../src/kubelet/stats/provider.ts';
import { BUSYBOX_IMAGE, startTestContainerd } from '../test/support/containerd.ts';
import { flagValue, positive } from './lib/args.ts';
import { percentile } from './lib/quantile.ts';
import { atTeardown } from './lib/teardown.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pct = percentile;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function run(argv: string[]): Promise<Record<string, unknown>> {
  const podCount = positive(flagValue(argv, 'pods'), 110, '--pods');
  const slowS = positive(flagValue(argv, 'duration'), 60, '--duration');
  const fastS = positive(flagValue(argv, 'fast-duration'), 30, '--fast-duration');
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-stats-'));
  const ctrd = await startTestContainerd();
  const cri = ctrd.cri;
  const cgroups = createCgroupfs();
  const pods: Pod[] = [];
  const parentOf = (uid: string) => `/kubepods/besteffort/pod${uid}`;
  const sandboxes: string[] = [];
  // The finally's work, also run on SIGINT/SIGTERM.
  const teardown = atTeardown('stats pods and containerd', async () => {
    await Promise.all(sandboxes.map(async (id) => {
      await cri.stopPodSandbox(id).catch(() => {});
      await cri.removePodSandbox(id).catch(() => {});
    }));
    for (const p of pods) await cgroups.remove(parentOf(p.metadata.uid!)).catch(() => {});
    await ctrd.stop();
    rmSync(work, { recursive: true, force: true });
  });
  try {
    // 110 pods as the kubelet makes them: pod cgroup, sandbox under it, one sleeping container.
    for (let i = 0; i < podCount; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, podCount - i) }, async (_, j) => {
          const n = i + j;
          const uid = `bench-stats-${process.pid}-${n}`;
          const name = `stats-${n}`;
          const logDirectory = join(work, 'logs', `bench_${name}_${uid}`);
          mkdirSync(join(logDirectory, 'main'), { recursive: true });
          await cgroups.apply(parentOf(uid), {});
          const labels = { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'bench', 'io.kubernetes.pod.uid': uid };
          const sb: In<PodSandboxConfig> = {
            metadata: { name, uid, namespace: 'bench', attempt: 0 },
            hostname: name,
            logDirectory,
            labels,
            linux: { cgroupParent: parentOf(uid), securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
          };
          const podId = await cri.runPodSandbox(sb);
          sandboxes.push(podId);
          const ctr = await cri.createContainer(
            podId,
            { metadata: { name: 'main', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sleep', '3600'], logPath: 'main/0.log', labels: { ...labels, 'io.kubernetes.container.name': 'main' }, linux: {} },
            sb,
          );
          await cri.startContainer(ctr);
          pods.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'bench', uid }, spec: { containers: [{ name: 'main' }] }, status: { startTime: new Date().toISOString() } });
        }),
      );
    }
    const machine = await readCadvisorMachineInfo();
    const make = (intervalMs: number) =>
      StatsProvider.create({
        nodeName: 'bench',
        cri,
        clock: realClock,
        log: createLogger(),
        machine,
        pods: () => pods,
        podCgroup: (p) => parentOf(p.metadata.uid!),
        logDir: (ns, name, uid, c) => join(work, 'logs', `${ns}_${name}_${uid}`, c),
        rootDir: work,
        housekeepingIntervalMs: intervalMs,
        storageDurationMs: 120_000,
        volumeStatsAggPeriodMs: 60_000,
      });

    const phase = async (intervalMs: number, seconds: number) => {
      const baseHeap = heapMiB();
      const provider = await make(intervalMs);
      const passes: number[] = [];
      const whole: number[] = [];
      provider.onHousekeeping(() => {
        passes.push(provider.lastHousekeeping!.cpuMs);
        whole.push(provider.lastPassCpuMs);
      });
      const stop = new AbortController();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const loop = provider.run(stop.signal);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const cpu = process.cpuUsage(cpu0);
      const wallS = (performance.now() - t0) / 1000;
      stop.abort();
      await loop;
      // Fill the window as a long-running kubelet would, then weigh the history.
      while (provider.samples(provider.refs()[provider.refs().length - 1].id).length < provider.history.maxSamples) await provider.housekeep();
      const latencies: number[] = [];
      for (let i = 0; i < 100; i++) {
        const s = performance.now();
        JSON.stringify(provider.summary());
        latencies.push(performance.now() - s);
      }
      const summaryBytes = JSON.stringify(provider.summary()).length;
      const historyHeap = heapMiB() - baseHeap;
      return {
        refs: provider.refs().length,
        passes: passes.length,
        passCpuMsP50: round(pct(passes.slice(1), 50)),
        passCpuMsMax: round(Math.max(...passes.slice(1))),
        wholeCpuMsP50: round(pct(whole.slice(1), 50)),
        cores: round((cpu.user + cpu.system) / 1e6 / wallS, 4),
        summaryMsP50: round(pct(latencies, 50)),
        summaryMsP99: round(pct(latencies, 99)),
        summaryBytes,
        samplesPerRef: provider.history.maxSamples,
        historyHeapMiB: round(historyHeap),
      };
    };
    const slow = await phase(10_000, slowS);
    const fast = await phase(1_000, fastS);
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    const result = {
      bench: 'stats',
      pods: podCount,
      refs: slow.refs,
      housekeeping_cpu_ms_p50: slow.passCpuMsP50,
      housekeeping_cpu_ms_max: slow.passCpuMsMax,
      pass_with_runtime_listing_cpu_ms_p50: slow.wholeCpuMsP50,
      cores_at_10s: slow.cores,
      cores_at_1s: fast.cores,
      cpu_saving_10s_vs_1s: round(1 - slow.cores / fast.cores, 3),
      summary_ms_p50: slow.summaryMsP50,
      summary_ms_p99: slow.summaryMsP99,
      summary_bytes: slow.summaryBytes,
      history_samples_per_ref_10s: slow.samplesPerRef,
      history_heap_mib_10s: slow.historyHeapMiB,
      history_samples_per_ref_1s: fast.samplesPerRef,
      history_heap_mib_1s: fast.historyHeapMiB,
      process_rss_mib: round(rssMiB, 1),
      passes_10s: slow.passes,
      passes_1s: fast.passes,
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await teardown();
  }
}
