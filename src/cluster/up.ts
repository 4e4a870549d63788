// `berth up`: a single-node cluster on this machine — the API server with its controllers, a
// managed containerd with local images and a CNI bridge, and the kubelet — all under one data dir.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { startApiServer, type ApiServer } from '../apiserver/apiserver.ts';
import { nodeAddresses } from '../kubelet/nodestatus/machine.ts';
import { writeKubeletCredentials, type KubeletCredentials } from './kubeletcreds.ts';
import { cniBridgeConfig } from '../containerd/config.ts';
import { buildBusyboxImage, buildPauseImage, importImage } from '../containerd/images.ts';
import { killShimsOf, startContainerd, unmountUnder, type ManagedContainerd } from '../containerd/process.ts';
import { startKubelet, type Kubelet } from '../kubelet/kubelet.ts';
import { defaultOptions, type KubeletOptions } from '../kubelet/options/options.ts';
import { ensureSystemPackages } from './packages.ts';
import { acquireDataDirLock } from './lock.ts';
import { bridgeName, podCidrFor } from './podcidr.ts';
import { removeStaleBridge } from './bridge.ts';

const nodeIPs = () => nodeAddresses(hostname(), undefined).filter((a) => a.type === 'InternalIP').map((a) => a.address);

export const busyboxImages = ['localhost/busybox:1.35', 'localhost/busybox:latest'];
export const pauseImage = 'localhost/pause:3.10';

export interface UpOptions {
  dataDir: string;
  securePort: number;
  kubeletPort: number;
  healthzPort: number;
  cadvisorPort: number;
  /** Use this runtime instead of a managed containerd. */
  containerRuntimeEndpoint?: string;
  nodeName?: string;
  podCidr?: string;
  nodeMonitorPeriodMs?: number;
  nodeMonitorGracePeriodMs?: number;
  /** The Metrics API's scrape period (default 15 s). */
  metricResolutionMs?: number;
  /** Kubelet settings that tests shorten. */
  kubelet?: Partial<KubeletOptions>;
  log?: (msg: string) => void;
}

export interface Cluster {
  apiserver: ApiServer;
  kubelet: Kubelet;
  containerd?: ManagedContainerd;
  kubeconfig: string;
  kubeletKubeconfig: string;
  manifestsDir: string;
  podCidr: string;
  nodeName: string;
  /** Stops what was started, in reverse order. */
  stop(): Promise<void>;
  /** The stop's steps not yet finished (what a stop that takes too long waits for). */
  stopping(): string[];
  /** For an exit that cannot wait for stop(): kills the managed containerd and its shims at once. */
  kill(): void;
}

/** What was started, undone last first; named, so that a stop that takes too long can say which step it is in. */
class StopStack {
  private readonly steps: { name: string; stop: () => Promise<void> }[] = [];

  constructor(private readonly log: (msg: string) => void) {}

  push(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  /** Runs every step, newest first; a step that fails is logged and the rest still run. */
  async stop(): Promise<void> {
    while (this.steps.length) {
      const step = this.steps[this.steps.length - 1]!;
      try {
        await step.stop();
      } catch (e) {
        this.log(`berth up: stopping ${step.name}: ${(e as Error).message}`);
      }
      this.steps.pop();
    }
  }

  /** The steps not yet finished, in the order they will run. */
  pending(): string[] {
    return this.steps.map((s) => s.name).reverse();
  }
}

export async function startCluster(o: UpOptions): Promise<Cluster> {
  const log = o.log ?? ((m: string) => console.error(m));
  const dataDir = resolve(o.dataDir);
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await acquireDataDirLock(dataDir);
  const stack = new StopStack(log);
  stack.push('data dir lock', async () => releaseLock());
  try {
    if (!o.containerRuntimeEndpoint) await ensureSystemPackages(log);
    const nodeName = (o.nodeName ?? hostname()).toLowerCase();

    const apiserver = await startApiServer({
      dataDir,
      bindAddress: '127.0.0.1',
      securePort: o.securePort,
      storage: 'sqlite',
      etcdServers: [],
      etcdPrefix: '/registry',
      nodeMonitorPeriodMs: o.nodeMonitorPeriodMs,
      nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs,
      metricResolutionMs: o.metricResolutionMs,
      log,
    });
    stack.push('apiserver', () => apiserver.close());

    // The kubelet's identity (system:node:<name>) and its serving certificate, both from the cluster CA.
    const creds = await writeKubeletCredentials(dataDir, apiserver.url, nodeName, [hostname(), 'localhost', '127.0.0.1', ...nodeIPs()], { kubeconfig: join(dataDir, 'kubelet.kubeconfig'), certDir: join(dataDir, 'kubelet', 'pki') });

    const podCidr = await podCidrFor(dataDir, o.podCidr);
    const containerd = o.containerRuntimeEndpoint ? undefined : await startManagedContainerd(dataDir, podCidr, stack);
    const endpoint = containerd ? `unix://${containerd.address}` : o.containerRuntimeEndpoint!;

    const manifestsDir = join(dataDir, 'manifests');
    await mkdir(manifestsDir, { recursive: true });
    const kubeletStop = new AbortController();
    const kubelet = await startKubelet(kubeletOptions(o, { dataDir, nodeName, endpoint, manifestsDir, creds }), kubeletStop.signal);
    stack.push('kubelet', async () => {
      kubeletStop.abort();
      await kubelet.done;
    });

    return {
      apiserver,
      kubelet,
      containerd,
      kubeconfig: join(dataDir, 'admin.kubeconfig'),
      kubeletKubeconfig: creds.kubeconfig,
      manifestsDir,
      podCidr,
      nodeName,
      stop: () => stack.stop(),
      stopping: () => stack.pending(),
      kill: () => killManagedContainerd(containerd),
    };
  } catch (e) {
    await stack.stop();
    throw e;
  }
}

/**
 * The managed runtime: a CNI bridge config for podCidr, containerd under the data dir, and the
 * local busybox and pause images imported into it (built once, kept in the data dir).
 */
async function startManagedContainerd(dataDir: string, podCidr: string, stack: StopStack): Promise<ManagedContainerd> {
  removeStaleBridge(podCidr);
  const cniConfDir = join(dataDir, 'cni', 'net.d');
  await mkdir(cniConfDir, { recursive: true });
  await writeFile(
    join(cniConfDir, '10-berth.conflist'),
    cniBridgeConfig({ name: 'berth', bridge: bridgeName, subnet: podCidr, ipamDataDir: join(dataDir, 'cni', 'ipam') }),
  );
  // Pods die with the managed containerd; their volume mounts should not outlive them.
  stack.push('pod volume mounts', async () => unmountUnder(join(dataDir, 'kubelet', 'pods')));
  const containerd = await startContainerd({ dir: join(dataDir, 'containerd'), cniConfDir, sandboxImage: pauseImage, log: join(dataDir, 'containerd.log') });
  stack.push('containerd', () => containerd.stop());
  const images = join(dataDir, 'images');
  await mkdir(images, { recursive: true });
  if (!existsSync(join(images, 'busybox.tar'))) buildBusyboxImage(join(images, 'busybox.tar'), busyboxImages);
  if (!existsSync(join(images, 'pause.tar'))) buildPauseImage(join(images, 'pause.tar'), pauseImage);
  await importImage(containerd.address, join(images, 'busybox.tar'), { snapshotter: containerd.snapshotter });
  await importImage(containerd.address, join(images, 'pause.tar'), { snapshotter: containerd.snapshotter });
  return containerd;
}

/** The kubelet of `berth up`: the cluster's credentials and paths, then whatever the caller sets. */
function kubeletOptions(
  o: UpOptions, c: { dataDir: string; nodeName: string; endpoint: string; manifestsDir: string; creds: KubeletCredentials },
): KubeletOptions {
  return {
    ...defaultOptions(),
    kubeconfig: c.creds.kubeconfig,
    hostnameOverride: c.nodeName,
    rootDir: join(c.dataDir, 'kubelet'),
    containerRuntimeEndpoint: c.endpoint,
    port: o.kubeletPort,
    healthzPort: o.healthzPort,
    cadvisorPort: o.cadvisorPort,
    tlsCertFile: c.creds.certFile,
    tlsPrivateKeyFile: c.creds.keyFile,
    clientCAFile: c.creds.caFile,
    staticPodPath: c.manifestsDir,
    podLogsDir: join(c.dataDir, 'pod-logs'),
    anonymousAuth: false,
    authenticationTokenWebhook: true,
    authorizationMode: 'Webhook',
    podInfraContainerImage: pauseImage,
    failSwapOn: false,
    ...o.kubelet,
  };
}

/** For an exit that cannot wait: SIGKILLs the managed containerd and its shims (none: nothing to do). */
function killManagedContainerd(containerd: ManagedContainerd | undefined): void {
  if (!containerd) return;
  try {
    process.kill(containerd.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  killShimsOf(containerd.address);
}
