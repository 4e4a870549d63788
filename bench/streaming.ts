// `npm run bench -- streaming`: what getting into a container costs, beside what the same work
// costs without Berth in the way, in one run on one cluster (API server, kubelet, containerd):
// - throughput of `kubectl port-forward` (a download of N MiB from a pod) and of `kubectl exec -i
//   ... wc -c` (an upload of N MiB), each beside the same transfer over a plain TCP
//   connection to the pod's IP;
// - exec round trip: p50/p99 of `kubectl exec P -- true`, beside `kubectl version --client`
//   (kubectl's own start-up) and a CRI ExecSync of `true` called directly.
// Targets (issue #16): port-forward at least half the plain-TCP throughput; exec p50 at most
// kubectl's start-up p50 plus 1.5x the direct CRI call's p50.
// Options (environment): BENCH_STREAM_MIB (default 256), BENCH_EXECS (default 100).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { startClusterWithNode } from '../test/support/cluster.ts';
import { BUSYBOX_IMAGE } from '../test/support/containerd.ts';
import { eventually, kubectl, kubectlOk } from '../test/support/kubectl.ts';
import { percentile as nearestRank } from './lib/quantile.ts';
import type { Target } from './lib/targets.ts';
import { atTeardown } from './lib/teardown.ts';

const MIB = Number(process.env.BENCH_STREAM_MIB ?? 256);
const EXECS = Number(process.env.BENCH_EXECS ?? 100);
const NODE = 'bench-node';
const bytes = MIB * 1024 * 1024;
const round = (v: number) => Number(v.toFixed(1));
const percentile = (values: number[], p: number) => round(nearestRank(values, p));

export const targets: Target[] = [
  { key: 'port_forward_mib_s', op: '>=', bound: { key: 'tcp_download_mib_s', times: 0.5 }, source: 'issue #16: port-forward at least half the plain-TCP throughput' },
  { key: 'exec_p50_ms', op: '<=', bound: { key: 'exec_floor_p50_ms' }, source: 'issue #16: exec p50 at most kubectl start-up + 1.5x the direct CRI ExecSync' },
];

type Download = { bytes: number; mibPerS: number };

/** Reads from host:port until the server closes; resolves with the bytes read and MiB/s. */
function download(host: string, port: number): Promise<Download> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    const s = connect(port, host);
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('error', reject);
    s.on('close', () => resolve({ bytes: got, mibPerS: round(got / 1024 / 1024 / ((performance.now() - t0) / 1000)) }));
  });
}

/** Writes `bytes` zeros to a writable end and waits for `done`; MiB/s over the whole, or why it failed. */
async function upload(write: NodeJS.WritableStream, done: Promise<unknown>): Promise<number | string> {
  const failed = new Promise<string>((resolve) => write.once('error', (e: Error) => resolve(e.message)));
  const chunk = Buffer.alloc(1024 * 1024);
  const t0 = performance.now();
  const sendAll = async () => {
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      if (!write.write(chunk)) await new Promise((r) => write.once('drain', r));
    }
    write.end();
    await done;
    return round(MIB / ((performance.now() - t0) / 1000));
  };
  return Promise.race([sendAll(), failed]);
}

async function timeRuns(n: number, run: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

/** kubectl port-forward to the pod's port 8080 on a free local port; the local port and a stop. */
async function portForward(kc: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn('kubectl', ['port-forward', 'pod/stream', ':8080'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 20_000, `port-forward (${out})`);
  return { port: Number(port), stop: () => child.kill('SIGINT') };
}

export async function run(): Promise<Record<string, unknown>> {
  const cluster = await startClusterWithNode(NODE);
  const stop = atTeardown('streaming cluster', () => cluster.stop());
  try {
    const kc = cluster.kubeconfig;
    // 8080 serves N MiB to each connection; 8081 swallows what it is sent.
    const serve = `nc -ll -p 8080 -e head -c ${bytes} /dev/zero & exec nc -ll -p 8081 -e sh -c 'cat > /dev/null'`;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stream' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', serve]}] } };
    await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
    await kubectlOk(kc, ['wait', '--for=condition=Ready', 'pod/stream', '--timeout=60s']);
    const podIP = (await kubectlOk(kc, ['get', 'pod', 'stream', '-o', 'jsonpath={.status.podIP}'])).trim();

    // The listeners start a moment after the container: the first download waits for its port.
    await eventually(() => download(podIP, 8080).catch(() => undefined), 20_000, 'the pod listening on 8080');
    // Each the better of two, alternating: one slow run on this shared machine decides nothing.
    const downloads = { tcp: [] as Download[], pf: [] as Download[] };
    for (let i = 0; i < 2; i++) {
      downloads.tcp.push(await download(podIP, 8080));
      const pf = await portForward(kc);
      downloads.pf.push(await download('127.0.0.1', pf.port).finally(() => pf.stop()));
    }
    const short = [...downloads.tcp, ...downloads.pf].find((d) => d.bytes !== bytes);
    if (short) throw new Error(`short download: ${short.bytes} of ${bytes}`);
    const best = (ds: Download[]) => Math.max(...ds.map((d) => d.mibPerS));

    const tcpSocket = connect(8081, podIP);
    const tcpUp = await upload(tcpSocket, new Promise((r) => tcpSocket.once('close', r)));
    // `wc -c`, not `cat > /dev/null`: containerd ends an exec's stdin once its stdout closes
    // (cri's ExecIO), and the redirect closes it at once. The count proves every byte arrived.
    const exec = spawn('kubectl', ['exec', '-i', 'stream', '--', 'wc', '-c'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['pipe', 'pipe', 'inherit'] });
    let counted = '';
    exec.stdout.on('data', (d) => (counted += d));
    const execUp = await upload(exec.stdin, new Promise((r) => exec.once('close', r)));
    if (typeof execUp === 'number' && Number(counted.trim()) !== bytes) throw new Error(`short exec upload: ${counted.trim()} of ${bytes}`);

    const containerId = (await cluster.ctrd.cri.listContainers({ labelSelector: { 'io.kubernetes.pod.name': 'stream' }, state: { state: 'CONTAINER_RUNNING' } }))[0].id;
    const execs = await timeRuns(EXECS, async () => {
      const r = await kubectl(kc, ['exec', 'stream', '--', 'true']);
      if (r.code !== 0) throw new Error(`kubectl exec: ${r.stderr}`);
    });
    const versions = await timeRuns(EXECS, () => kubectl(kc, ['version', '--client']));
    const cri = await timeRuns(EXECS, () => cluster.ctrd.cri.execSync(containerId, ['true'], 0));
    const result = {
      bench: 'streaming',
      mib: MIB,
      execs: EXECS,
      tcp_download_mib_s: best(downloads.tcp),
      port_forward_mib_s: best(downloads.pf),
      // A failed upload reports its error in place of a rate.
      tcp_upload_mib_s: tcpUp,
      exec_upload_mib_s: execUp,
      exec_p50_ms: percentile(execs, 50),
      exec_p99_ms: percentile(execs, 99),
      kubectl_start_p50_ms: percentile(versions, 50),
      cri_execsync_p50_ms: percentile(cri, 50),
      exec_floor_p50_ms: round(percentile(versions, 50) + 1.5 * percentile(cri, 50)),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await stop();
  }
}
