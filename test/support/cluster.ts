// A cluster for end-to-end tests, wired as `berth up` wires it — API server, a managed containerd
// with the local images and a CNI bridge, kubelets with CA-signed credentials — but with each
// kubelet in its own process, so tests can kill -9 it and start it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeletCredentials } from '../../src/cluster/kubeletcreds.ts';
import { unmountUnder } from '../../src/containerd/process.ts';
import { startTestApiServer, type TestApiServer } from './apiserver.ts';
import { startTestContainerd, type TestContainerd } from './containerd.ts';
import { eventually, kubectl, kubectlOk } from './kubectl.ts';
import { freePort } from './ports.ts';

const berth = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

export interface KubeletProcess {
  node: string;
  proc: ChildProcess;
  rootDir: string;
  manifests: string;
  podLogs: string;
  port: number;
  log: () => string;
}

export interface TestCluster {
  api: TestApiServer;
  ctrd: TestContainerd;
  work: string;
  kubeconfig: string;
  kubelets: Map<string, KubeletProcess>;
  startKubelet(node: string, extra?: string[], config?: Record<string, unknown>): Promise<KubeletProcess>;
  killKubelet(node: string, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCluster(opts: { nodeMonitorPeriodMs?: number; nodeMonitorGracePeriodMs?: number; metricResolutionMs?: number } = {}): Promise<TestCluster> {
  const work = await mkdtemp(join(tmpdir(), 'berth-cluster-'));
  const ctrd = await startTestContainerd();
  const api = await startTestApiServer(opts);
  const kubelets = new Map<string, KubeletProcess>();

  const startKubelet = async (node: string, extra: string[] = [], config: Record<string, unknown> = {}): Promise<KubeletProcess> => {
    const rootDir = join(work, node);
    const manifests = join(rootDir, 'manifests');
    const podLogs = join(rootDir, 'pod-logs');
    await mkdir(manifests, { recursive: true });
    const creds = await writeKubeletCredentials(api.dataDir, api.url, node, ['127.0.0.1', 'localhost'], { kubeconfig: join(work, `${node}.kubeconfig`), certDir: join(rootDir, 'pki') });
    const port = kubelets.get(node)?.port ?? (await freePort());
    const configFile = join(work, `${node}.config.yaml`);
    await writeFile(configFile, JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', podLogsDir: podLogs, ...config }));
    const proc = spawn(
      process.execPath,
      [
        berth, 'kubelet',
        '--config', configFile,
        '--kubeconfig', creds.kubeconfig,
        '--hostname-override', node,
        '--node-ip', '127.0.0.1',
        '--container-runtime-endpoint', `unix://${ctrd.address}`,
        '--root-dir', rootDir,
        '--pod-manifest-path', manifests,
        '--file-check-frequency', '2s',
        '--healthz-port', '0',
        '--port', String(port),
        '--tls-cert-file', creds.certFile,
        '--tls-private-key-file', creds.keyFile,
        '--client-ca-file', creds.caFile,
        '--node-status-update-frequency', '1s',
        '--node-lease-duration-seconds', '4',
        '--fail-swap-on=false',
        // Several kubelets share this machine: the stats UI only where a test asks for it.
        '--cadvisor-port', '0',
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    proc.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
    const k: KubeletProcess = { node, proc, rootDir, manifests, podLogs, port, log: () => log };
    kubelets.set(node, k);
    return k;
  };

  const killKubelet = async (node: string, signal: NodeJS.Signals = 'SIGKILL') => {
    const p = kubelets.get(node)?.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };

  return {
    api,
    ctrd,
    work,
    kubeconfig: api.kubeconfig,
    kubelets,
    startKubelet,
    killKubelet,
    stop: async () => {
      for (const node of kubelets.keys()) await killKubelet(node);
      await api.stop();
      await ctrd.stop();
      // Killed kubelets leave their pods' volume mounts (tmpfs) behind, as upstream's would.
      unmountUnder(work);
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * A cluster with one kubelet, returned once its node is Ready and the default service account
 * exists (pods are rejected without it).
 */
export async function startSingleNodeCluster(node: string): Promise<TestCluster> {
  const cluster = await startTestCluster();
  await cluster.startKubelet(node);
  const kc = cluster.kubeconfig;
  await eventually(async () => /Ready/.test(await kubectlOk(kc, ['get', 'node', node])), 20_000, 'the node');
  await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 10_000, 'the default service account');
  return cluster;
}
