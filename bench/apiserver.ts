// `npm run bench -- apiserver`: list latency over 10,000 pods (all, and one node's by field
// selector), watch fan-out (1,000 watchers: write → last watcher's event), and server-side
// apply of 1,000 ConfigMaps (create, no-op re-apply) beside a plain update of each, SQLite and
// etcd side by side. The server runs in its own process; this one is the client. 30 writes make the
// fan-out figures maxima, not p99s. No target is written down for it yet, so `--check` says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../test/support/etcd.ts';
import { credentialsFromKubeconfig, TestClient } from '../test/support/client.ts';
import { freePort } from '../test/support/ports.ts';
import { percentile as nearestRank } from './lib/quantile.ts';
import { atTeardown } from './lib/teardown.ts';

const pods = Number(process.env.BENCH_PODS ?? 10_000);
const nodes = 100;
const watchers = Number(process.env.BENCH_WATCHERS ?? 1000);
const writes = 30;
const configMaps = Number(process.env.BENCH_CONFIGMAPS ?? 1000);

const percentile = (values: number[], p: number): number => Number(nearestRank(values, p).toFixed(1));

async function startServer(dataDir: string, extra: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['bin/berth.js', 'apiserver', '--data-dir', dataDir, '--secure-port', String(port), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
    proc.on('exit', (code) => reject(new Error(`apiserver exited with ${code}`)));
  });
  return { proc, port };
}

function pod(i: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${String(i).padStart(5, '0')}`, labels: { app: `app-${i % 50}`, bench: 'yes' } },
    spec: {
      nodeName: `node-${i % nodes}`,
      containers: [{ name: 'main', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function configMap(i: number, value: string): object {
  const data: Record<string, string> = {};
  for (let k = 0; k < 10; k++) data[`key-${k}`] = `${value}-${k}`;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(4, '0')}`, labels: { bench: 'yes', shard: `s${i % 10}` } }, data };
}

/** One request per ConfigMap, one after another (latency, not throughput); each must answer `status`. */
async function perConfigMap(client: TestClient, status: number, request: (i: number) => Promise<{ status: number; text: string }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < configMaps; i++) {
    const t = performance.now();
    const r = await request(i);
    out.push(performance.now() - t);
    if (r.status !== status) throw new Error(`configmap ${i}: ${r.status} ${r.text.slice(0, 300)}`);
  }
  return out;
}

/** Server-side apply: create by apply, a no-op re-apply (which must not write), and a plain PUT of each for comparison. */
async function measureApply(client: TestClient): Promise<Record<string, number>> {
  const path = (i: number) => `/api/v1/namespaces/default/configmaps/cm-${String(i).padStart(4, '0')}`;
  const applyHeaders = { 'Content-Type': 'application/apply-patch+yaml' };
  const applyCreate = await perConfigMap(client, 201, (i) => client.request('PATCH', `${path(i)}?fieldManager=bench`, configMap(i, 'a'), applyHeaders));
  const before = (await client.request('GET', path(0))).json().metadata.resourceVersion;
  const reapply = await perConfigMap(client, 200, (i) => client.request('PATCH', `${path(i)}?fieldManager=bench`, configMap(i, 'a'), applyHeaders));
  if ((await client.request('GET', path(0))).json().metadata.resourceVersion !== before) throw new Error('a no-op re-apply wrote the object');
  const update = await perConfigMap(client, 200, (i) => client.request('PUT', `${path(i)}?fieldManager=bench-update`, configMap(i, 'b')));
  return {
    ssa_create_p50_ms: percentile(applyCreate, 50),
    ssa_create_p99_ms: percentile(applyCreate, 99),
    ssa_noop_p50_ms: percentile(reapply, 50),
    ssa_noop_p99_ms: percentile(reapply, 99),
    update_p50_ms: percentile(update, 50),
    update_p99_ms: percentile(update, 99),
  };
}

async function measure(backend: string, extra: string[]): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), `berth-bench-${backend}-`));
  let proc: ChildProcess | undefined;
  let opened: TestClient | undefined;
  // The finally's work, also run on SIGINT/SIGTERM.
  const teardown = atTeardown(`apiserver (${backend})`, async () => {
    opened?.close();
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });
  try {
    ({ proc } = await startServer(dataDir, extra));
    const client = new TestClient(credentialsFromKubeconfig(join(dataDir, 'admin.kubeconfig')), 64);
    opened = client;
    const apply = await measureApply(client);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < pods) {
          const r = await client.request('POST', '/api/v1/namespaces/default/pods', pod(next++));
          if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
        }
      }),
    );
    const createPerSec = pods / ((performance.now() - t0) / 1000);

    const listAll: number[] = [];
    const listNode: number[] = [];
    for (let i = 0; i < 7; i++) {
      listAll.push(await timed(async () => {
        const r = await client.request('GET', '/api/v1/pods');
        if (r.json().items.length !== pods) throw new Error('short list');
      }));
      listNode.push(await timed(async () => {
        const r = await client.request('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-${i}`);
        if (r.json().items.length !== pods / nodes) throw new Error('short node list');
      }));
    }

    // Watch fan-out: every watcher sees every write; the latency of a write is when the last one sees it.
    const rv = (await client.request('GET', '/api/v1/namespaces/default/pods?limit=1')).json().metadata.resourceVersion;
    const watchClient = new TestClient(client.creds, watchers + 10);
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const seen = new Map<string, number>();
    const arrivals = new Map<string, number[]>();
    await Promise.all(
      Array.from({ length: watchers }, () =>
        watchClient.watch(`/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dpod-00000`, (ev) => {
          const mark = ev.object?.metadata?.labels?.mark;
          if (mark) arrivals.get(mark)?.push(performance.now());
        }, stop.signal),
      ),
    );
    const fanout: number[] = [];
    const patches: number[] = [];
    for (let i = 0; i < writes; i++) {
      const mark = `m${i}`;
      arrivals.set(mark, []);
      const start = performance.now();
      seen.set(mark, start);
      await client.request('PATCH', '/api/v1/namespaces/default/pods/pod-00000', { metadata: { labels: { mark } } }, { 'Content-Type': 'application/merge-patch+json' });
      patches.push(performance.now() - start);
      const deadline = Date.now() + 10_000;
      while (arrivals.get(mark)!.length < watchers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      const got = arrivals.get(mark)!;
      if (got.length < watchers) throw new Error(`only ${got.length}/${watchers} watchers saw write ${i}`);
      fanout.push(Math.max(...got) - start);
    }
    stop.abort();
    watchClient.close();
    return {
      create_per_s: Math.round(createPerSec),
      list_all_p50_ms: percentile(listAll, 50),
      list_all_max_ms: percentile(listAll, 100),
      list_node_p50_ms: percentile(listNode, 50),
      list_node_max_ms: percentile(listNode, 100),
      watch_fanout_p50_ms: percentile(fanout, 50),
      watch_fanout_max_ms: percentile(fanout, 100),
      patch_p50_ms: percentile(patches, 50),
      ...apply,
    };
  } finally {
    await teardown();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const sqlite = await measure('sqlite', []);
  const etcd = await startEtcd();
  const stopEtcd = atTeardown('etcd', () => etcd.stop());
  let etcdResult: Record<string, unknown>;
  try {
    etcdResult = await measure('etcd', ['--storage', 'etcd', '--etcd-servers', etcd.endpoint]);
  } finally {
    await stopEtcd();
  }
  const result = { bench: 'apiserver', pods, nodes, watchers, writes, configMaps, sqlite, etcd: etcdResult };
  console.log(JSON.stringify(result));
  return result;
}
