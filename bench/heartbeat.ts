// `npm run bench -- heartbeat [--seconds N] [--warmup N]`: what an idle kubelet costs with the
// default heartbeat settings (status every 10 s, report every 5 m, 40 s Lease renewed every 10 s).
//
// A real kubelet process (no pods) runs against the in-process API server and a managed test
// containerd. After a warm-up, over the window (300 s by default; BENCH_SECONDS or --seconds to
// shorten it) we sample the kubelet's /proc every 5 s for CPU and RSS, and count its API requests
// two ways:
// - every request, by verb and resource, at a counting TLS proxy that the kubelet's kubeconfig
//   points at (it forwards with the kubelet's own client certificate, so the server sees the node);
// - the writes that reached storage, from watches on leases, nodes and events (a cross-check: a
//   request that changed nothing, or failed, is counted by the proxy but shows no watch event).
//
// Targets (--check): the idle kubelet under 0.01 cores and 100 MiB RSS.
import { flagValue, positive } from './lib/args.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ensurePki } from '../src/pki/pki.ts';
import { writeKubeletCredentials } from '../src/cluster/kubeletcreds.ts';
import { unmountUnder } from '../src/containerd/process.ts';
import { startTestApiServer } from '../test/support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../test/support/client.ts';
import { startTestContainerd } from '../test/support/containerd.ts';
import { freePort } from '../test/support/ports.ts';
import { startCountingProxy } from './lib/countingproxy.ts';
import { sampleProcess } from './lib/proc.ts';
import type { Target } from './lib/targets.ts';
import { atTeardown } from './lib/teardown.ts';

const berth = join(import.meta.dirname, '..', 'bin', 'berth.js');
const nodeName = 'heartbeat-node';
const sampleEveryMs = 5_000;

export const targets: Target[] = [
  { key: 'kubelet_cpu_cores', op: '<', bound: 0.01, source: 'issue #13: idle kubelet CPU < 0.01 cores' },
  { key: 'kubelet_rss_mib_max', op: '<', bound: 100, source: 'issue #13: idle kubelet RSS < 100 MiB' },
];

interface Settings {
  seconds: number;
  warmupSeconds: number;
}

function settingsFrom(argv: string[]): Settings {
  const flag = (name: string) => flagValue(argv, name);
  return {
    seconds: positive(flag('seconds') ?? process.env.BENCH_SECONDS, 300, '--seconds'),
    warmupSeconds: positive(flag('warmup') ?? process.env.BENCH_WARMUP, 20, '--warmup'),
  };
}

/** The kubeconfig as written, but pointing at another server (the counting proxy). */
async function repointKubeconfig(file: string, server: string): Promise<void> {
  const kc = parseYaml(await readFile(file, 'utf8'));
  kc.clusters[0].cluster.server = server;
  await writeFile(file, stringifyYaml(kc), { mode: 0o600 });
}

function spawnKubelet(o: { rootDir: string; kubeconfig: string; config: string; containerd: string; port: number; certFile: string; keyFile: string; caFile: string; manifests: string }): ChildProcess {
  // The flags of test/support/cluster.ts minus its fast test frequencies: every heartbeat setting
  // keeps upstream's default here.
  return spawn(
    process.execPath,
    [
      berth, 'kubelet',
      '--config', o.config,
      '--kubeconfig', o.kubeconfig,
      '--hostname-override', nodeName,
      '--node-ip', '127.0.0.1',
      '--container-runtime-endpoint', `unix://${o.containerd}`,
      '--root-dir', o.rootDir,
      '--pod-manifest-path', o.manifests,
      '--healthz-port', '0',
      '--port', String(o.port),
      '--tls-cert-file', o.certFile,
      '--tls-private-key-file', o.keyFile,
      '--client-ca-file', o.caFile,
      '--fail-swap-on=false',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

/** Keeps a watch open (reopening from the last version if the server ends it) until signal aborts. */
async function keepWatching(client: TestClient, path: string, onEvent: (type: string, obj: any) => void, signal: AbortSignal): Promise<void> {
  let rv = '';
  const open = async (): Promise<void> => {
    if (signal.aborted) return;
    const sep = path.includes('?') ? '&' : '?';
    await client.watch(
      `${path}${sep}watch=1&allowWatchBookmarks=true${rv ? `&resourceVersion=${rv}` : ''}`,
      (ev) => {
        rv = ev.object?.metadata?.resourceVersion ?? rv;
        if (ev.type !== 'BOOKMARK') onEvent(ev.type, ev.object);
      },
      signal,
      () => void open().catch(() => {}),
    );
  };
  await open();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, kubelet: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (kubelet.exitCode !== null || kubelet.signalCode !== null) throw new Error(`kubelet exited (${kubelet.exitCode ?? kubelet.signalCode}) before ${what}:\n${log()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; kubelet log:\n${log()}`);
    await sleep(250);
  }
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));
const perMinute = (count: number, seconds: number) => round((count * 60) / seconds, 2);

export async function run(argv: string[] = []): Promise<Record<string, unknown>> {
  const s = settingsFrom(argv);
  const work = await mkdtemp(join(tmpdir(), 'berth-bench-heartbeat-'));
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const cleanups: Array<() => Promise<void> | void> = [];
  let kubelet: ChildProcess | undefined;
  // The finally's work, also run on SIGINT/SIGTERM: the kubelet, then the rest newest first.
  const teardown = atTeardown('heartbeat', async () => {
    stop.abort();
    if (kubelet && kubelet.exitCode === null && kubelet.signalCode === null) {
      const exited = new Promise((r) => kubelet!.once('exit', r));
      kubelet.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (kubelet.exitCode === null && kubelet.signalCode === null) kubelet.kill('SIGKILL');
    }
    for (const c of cleanups.reverse()) await c();
    unmountUnder(work);
    await rm(work, { recursive: true, force: true });
  });
  try {
    const ctrd = await startTestContainerd();
    cleanups.push(() => ctrd.stop());
    const api = await startTestApiServer();
    cleanups.push(() => api.stop());
    // Credentials for the node, then a proxy that speaks for it, then the kubeconfig aimed at the proxy.
    const rootDir = join(work, nodeName);
    const manifests = join(rootDir, 'manifests');
    await mkdir(manifests, { recursive: true });
    const kubeconfig = join(work, `${nodeName}.kubeconfig`);
    const creds = await writeKubeletCredentials(api.dataDir, api.url, nodeName, ['127.0.0.1', 'localhost'], { kubeconfig, certDir: join(rootDir, 'pki') });
    const nodeIdentity = credentialsFromKubeconfig(kubeconfig);
    const pki = await ensurePki(join(api.dataDir, 'pki'), { hosts: [] });
    const proxy = await startCountingProxy({
      target: api.url,
      caPem: pki.caCertPem,
      servingCertPem: pki.servingCertPem,
      servingKeyPem: pki.servingKeyPem,
      clientCertPem: nodeIdentity.cert!,
      clientKeyPem: nodeIdentity.key!,
    });
    cleanups.push(() => proxy.close());
    await repointKubeconfig(kubeconfig, proxy.url);

    const config = join(work, `${nodeName}.config.yaml`);
    await writeFile(config, JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', podLogsDir: join(rootDir, 'pod-logs') }));
    const proc = spawnKubelet({ rootDir, kubeconfig, config, containerd: ctrd.address, port: await freePort(), certFile: creds.certFile, keyFile: creds.keyFile, caFile: creds.caFile, manifests });
    kubelet = proc;
    let log = '';
    proc.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
    const kubeletLog = () => log;
    const pid = proc.pid!;

    const admin = new TestClient(credentialsFromKubeconfig(api.kubeconfig), 8);
    cleanups.push(() => admin.close());
    const exists = async (path: string) => (await admin.request('GET', path)).status === 200;
    await waitFor('the Node to register', () => exists(`/api/v1/nodes/${nodeName}`), 60_000, proc, kubeletLog);
    await waitFor('the node Lease', () => exists(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`), 60_000, proc, kubeletLog);

    // Writes as storage saw them; counted only inside the window.
    let counting = false;
    const writes = { leases: 0, node_status: 0, events: 0 };
    const watchClient = new TestClient(admin.creds, 8);
    cleanups.push(() => watchClient.close());
    await keepWatching(watchClient, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', (type, o) => {
      if (counting && type === 'MODIFIED' && o.metadata?.name === nodeName) writes.leases++;
    }, stop.signal);
    await keepWatching(watchClient, '/api/v1/nodes', (type, o) => {
      if (counting && type === 'MODIFIED' && o.metadata?.name === nodeName) writes.node_status++;
    }, stop.signal);
    await keepWatching(watchClient, '/api/v1/events', (type, o) => {
      if (counting && (type === 'ADDED' || type === 'MODIFIED') && (o.source?.host === nodeName || o.reportingInstance === nodeName)) writes.events++;
    }, stop.signal);

    await sleep(s.warmupSeconds * 1000);
    if (proc.exitCode !== null) throw new Error(`kubelet exited during warm-up:\n${log}`);

    // The window.
    proxy.reset();
    counting = true;
    const w = await sampleProcess(pid, s.seconds, sampleEveryMs, 1000, () => {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`kubelet exited during the window:\n${log}`);
    });
    const wallSeconds = w.wallSeconds;
    counting = false;
    const requests = proxy.counts();
    // The settings as the kubelet applied them, not as we assume them.
    const lease = (await admin.request('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`)).json();

    const byKey = Object.fromEntries(Object.entries(requests).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => [k, perMinute(n, wallSeconds)]));
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    const mib = (kib: number) => round(kib / 1024, 1);
    const result = {
      bench: 'heartbeat',
      seconds: round(wallSeconds, 1),
      warmup_seconds: s.warmupSeconds,
      node: nodeName,
      pods: 0,
      settings: { node_status_update_frequency: '10s (default)', node_status_report_frequency: '5m (default)', node_lease_duration_seconds: lease.spec?.leaseDurationSeconds },
      kubelet_cpu_cores: round(w.cores, 4),
      kubelet_cpu_cores_max_5s: round(w.maxIntervalCores, 4),
      kubelet_children_cpu_cores: round(w.childCores, 4),
      kubelet_rss_mib_mean: mib(w.rssKib.reduce((a, b) => a + b, 0) / w.rssKib.length),
      kubelet_rss_mib_max: mib(Math.max(...w.rssKib)),
      rss_samples: w.rssKib.length,
      requests_per_min: { total: perMinute(total, wallSeconds), ...byKey },
      requests_in_window: requests,
      writes_per_min: {
        leases: perMinute(writes.leases, wallSeconds),
        node_status: perMinute(writes.node_status, wallSeconds),
        events: perMinute(writes.events, wallSeconds),
      },
      upstream_per_min: { 'PUT leases': 6, 'GET nodes': 6, 'PATCH nodes/status': 0.2, note: 'Lease renewed every 10 s; status computed every 10 s from a GET of the Node, patched on change or every 5 m' },
      note: 'requests_per_min: every request the kubelet sent, counted at a TLS proxy in front of the API server that forwards with the kubelet\'s own client certificate (GET of a collection is LIST or WATCH; a WATCH is counted when opened). writes_per_min: MODIFIED/ADDED watch events on the node\'s Lease, its Node and events from it, i.e. writes that changed stored state. CPU is utime+stime of the kubelet process over the window, in cores; RSS is VmRSS sampled every 5 s.',
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await teardown();
  }
}
