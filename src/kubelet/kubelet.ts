// The kubelet's node half, assembled: the runtime connection, node registration and status, the
// Lease, and /healthz. Pod management plugs in later at the sync loop (see syncLoopIteration).
import { mkdir, readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import * as os from 'node:os';
import { KubeClient, type ApiClient } from './client/client.ts';
import { createEventRecorder } from './client/events.ts';
import { createEventRateLimiter } from './events/ratelimit.ts';
import { resolveClientConfig } from './client/kubeconfig.ts';
import { realClock, type Clock } from './clock.ts';
import { healthzAnswer, startHealthz, syncLoopCheck, type HealthCheck, type HealthzServer } from './healthz.ts';
import { createLogger, type Logger } from './log.ts';
import { NodeLeaseController } from './nodelease/controller.ts';
import { nodeAddresses, observe, readMachineInfo, type MachineInfo } from './nodestatus/machine.ts';
import { NodeStatusManager, type StatusSources } from './nodestatus/manager.ts';
import type { KubeletOptions } from './options/options.ts';
import { createCriClient, type CriClient } from './runtime/cri/client.ts';
import { RuntimeState } from './runtimestate.ts';
import { startPodManagement } from './pods.ts';
import { servingCertificate } from './server/cert.ts';
import { startKubeletServer } from './server/server.ts';
import { authorizeRequest, type KubeletAuthOptions } from './server/auth.ts';
import { startStatsUI } from './statsui/index.ts';
import { startStats, type KubeletStats } from './stats/index.ts';
import { containerTypeIn, instrumentCri, KubeletMetrics } from './metrics/index.ts';
import type { PodSpec } from '../api/core/index.ts';

export interface KubeletDeps {
  clock?: Clock;
  log?: Logger;
  /** A ready API client (tests); otherwise built from --kubeconfig / --api-servers. */
  api?: ApiClient;
  cri?: CriClient;
  machine?: MachineInfo;
}

export interface Kubelet {
  nodeName: string;
  /** The healthz port actually bound (useful with --healthz-port 0 in tests), or 0 when disabled. */
  healthzPort: number;
  /** The kubelet API port actually bound (with --port 0), or 0 when disabled. */
  port: number;
  /** The stats UI port actually bound, or 0 when off (or its port was busy). */
  statsUIPort: number;
  /** Resolves once every loop has stopped after the signal aborted. */
  done: Promise<void>;
}

/** Upstream's node name: --hostname-override or the hostname, lowercased. */
export function nodeNameOf(o: Pick<KubeletOptions, 'hostnameOverride'>): string {
  return (o.hostnameOverride?.trim() || os.hostname()).toLowerCase();
}

function cachedFor<T>(ms: number, read: () => T, clock: Clock): { get(): T } {
  let value: T | undefined;
  let at = -Infinity;
  return {
    get() {
      const now = clock.now().getTime();
      if (value === undefined || now - at > ms) {
        value = read();
        at = now;
      }
      return value;
    },
  };
}

async function swapIsOn(): Promise<boolean> {
  try {
    return (await readFile('/proc/swaps', 'utf8')).trim().split('\n').length > 1;
  } catch {
    return false;
  }
}

const syncLoopPeriodMs = 1_000;

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export async function startKubelet(options: KubeletOptions, signal: AbortSignal, deps: KubeletDeps = {}): Promise<Kubelet> {
  const clock = deps.clock ?? realClock;
  const log = deps.log ?? createLogger({ format: options.loggingFormat, verbosity: options.verbosity });
  const nodeName = nodeNameOf(options);
  log.info('Starting kubelet', { node: nodeName, version: 'v1.32.0-berth', rootDir: options.rootDir });

  if (options.failSwapOn && (await swapIsOn())) {
    throw new Error('running with swap on is not supported, please disable swap or set --fail-swap-on flag to false');
  }
  await mkdir(options.rootDir, { recursive: true });

  let api = deps.api;
  let ownedClient: KubeClient | undefined;
  if (!api) {
    const config = await resolveClientConfig(options.kubeconfig, options.apiServers);
    if (config) api = ownedClient = new KubeClient(config, { clock });
    else if (options.registerNode) throw new Error('no API server to register with: give --kubeconfig (or the legacy --api-servers URL), or run standalone with --register-node=false');
    else log.info('No API server given: running standalone (node status and Lease are not reported)');
  }

  const metrics = new KubeletMetrics({ nodeName, clock });
  // Runtime operations are counted for /metrics; container types need the pod spec.
  let podSpecOf: (uid: string) => PodSpec | undefined = () => undefined;
  const cri = instrumentCri(deps.cri ?? createCriClient(options.containerRuntimeEndpoint, { timeoutMs: options.runtimeRequestTimeoutMs }), metrics, {
    containerType: (uid, name) => containerTypeIn(podSpecOf(uid), name),
  });
  const runtime = new RuntimeState(cri, clock, log);
  const machine = deps.machine ?? (await readMachineInfo());
  // One limit for every event the kubelet writes, node and pod alike, as upstream's broadcaster.
  const eventLimiter = createEventRateLimiter(options.eventRecordQPS, options.eventBurst, clock, signal);
  const events = createEventRecorder(api, nodeName, clock, log, eventLimiter);
  let nodeUid: string | undefined;
  let imagefsPath: string | undefined;

  // Listing interfaces is costly (a veth per pod); the node's addresses are re-read at most every 10 s.
  const addresses = cachedFor(10_000, () => nodeAddresses(nodeName, options.nodeIP), clock);
  const sources: StatusSources = {
    machine,
    async observe() {
      try {
        imagefsPath = (await cri.imageFsInfo({ timeoutMs: 10_000 })).imageFilesystems[0]?.fsId?.mountpoint || imagefsPath;
      } catch {
        // runtime away: keep the last known image filesystem
      }
      return observe(options.rootDir, imagefsPath);
    },
    async listImages() {
      try {
        return await cri.listImages(undefined, { timeoutMs: 10_000 });
      } catch {
        return undefined;
      }
    },
    runtimeVersion: () => runtime.current().version,
    notReadyErrors: () => runtime.errors(),
    addresses: () => addresses.get(),
  };

  const loops: Promise<void>[] = [runtime.run(signal)];
  events.nodeEvent('Normal', 'Starting', 'Starting kubelet.');

  if (api) {
    const status = new NodeStatusManager({
      nodeName,
      registerNode: options.registerNode,
      updateFrequencyMs: options.nodeStatusUpdateFrequencyMs,
      reportFrequencyMs: options.nodeStatusReportFrequencyMs,
      settings: {
        maxPods: options.maxPods,
        kubeReserved: options.kubeReserved,
        systemReserved: options.systemReserved,
        evictionHard: options.evictionHard,
        maxImages: options.nodeStatusMaxImages,
        kubeletPort: options.port,
      },
      node: { hostname: nodeName, os: machine.operatingSystem, arch: machine.architecture, nodeLabels: options.nodeLabels, taints: options.registerWithTaints },
      api,
      sources,
      events,
      clock,
      log,
      onNode: (node) => (nodeUid = node.metadata.uid ?? nodeUid),
      hooks: metrics.nodeStatusHooks(),
    });
    // Give the runtime a moment to answer so the first status is not needlessly NotReady.
    for (let i = 0; i < 20 && !runtime.current().lastSync && !signal.aborted; i++) await clock.sleep(100, signal);
    events.nodeEvent('Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    const lease = new NodeLeaseController({ api, nodeName, durationSeconds: options.nodeLeaseDurationSeconds, clock, log, nodeUid: () => nodeUid });
    loops.push(status.run(signal), lease.run(signal));
  }

  const nodeIPs = () => sources.addresses().filter((a) => a.type === 'InternalIP').map((a) => a.address);
  const podManagement = startPodManagement({
    options,
    nodeName,
    nodeUid: () => nodeUid,
    nodeIPs,
    allocatable: { cpuMilli: machine.numCores * 1000, memoryBytes: machine.memoryCapacityBytes },
    memoryCapacityBytes: machine.memoryCapacityBytes,
    api: ownedClient ?? api,
    cri,
    metrics,
    eventLimiter,
    clock,
    log,
    signal,
  });
  loops.push(...podManagement.loops);
  podSpecOf = (uid) => podManagement.pod(uid)?.spec;
  const stats: KubeletStats | undefined = await startStats({ options, nodeName, cri, clock, log, pods: podManagement.pods, signal });
  if (stats) loops.push(stats.loop);

  // The sync loop: proves liveness for /healthz while the pod workers do the work.
  let lastTick: Date | undefined;
  const syncLoopIteration = async () => {
    lastTick = clock.now();
  };
  loops.push(
    (async () => {
      while (!signal.aborted) {
        await syncLoopIteration();
        await clock.sleep(syncLoopPeriodMs, signal);
      }
    })(),
  );

  const checks: HealthCheck[] = [
    syncLoopCheck(() => lastTick, () => clock.now(), Math.max(2 * options.syncFrequencyMs, 5 * 60_000)),
    {
      name: 'runtime',
      check: () => {
        const errs = runtime.errors();
        const why = runtime.current().lastFailure;
        return errs.length ? errs.join('; ') + (why ? ` (${why})` : '') : undefined;
      },
    },
  ];
  checks.push(...podManagement.healthChecks);
  const clientCaPem = options.clientCAFile ? await readFile(options.clientCAFile, 'utf8') : undefined;
  const reviewer = api;
  const auth: KubeletAuthOptions = {
    anonymousAuth: options.anonymousAuth,
    authenticationTokenWebhook: options.authenticationTokenWebhook,
    authorizationMode: options.authorizationMode,
    nodeName,
    review: reviewer ? (path, body) => reviewer.create(path, body) : undefined,
  };
  const statsUIOnLoopback = isLoopback(options.cadvisorBindAddress);
  const needsTls = options.port > 0 || (options.cadvisorPort > 0 && !statsUIOnLoopback);
  const tls = needsTls ? await servingCertificate(options, nodeName, nodeIPs()) : undefined;
  let serverPort = 0;
  if (options.port > 0 && tls) {
    const server = await startKubeletServer(
      { address: options.address, port: options.port, certPem: tls.certPem, keyPem: tls.keyPem, clientCaPem },
      {
        auth,
        pods: podManagement.pods,
        probeMetrics: podManagement.probeMetrics,
        stats: stats?.endpoints,
        metrics: () => metrics.render(),
        logTarget: podManagement.logTarget,
        healthy: () => {
          const a = healthzAnswer(checks);
          return { ok: a.code === 200, message: a.body };
        },
      },
      signal,
    );
    serverPort = server.port;
    log.info('Started kubelet server', { address: options.address, port: serverPort });
  }
  // The stats UI: plain HTTP on loopback; anywhere else the kubelet API's TLS, authn and authz.
  let statsUIPort = 0;
  if (stats && options.cadvisorPort > 0) {
    const secure = !statsUIOnLoopback && tls ? { tls: { certPem: tls.certPem, keyPem: tls.keyPem, clientCaPem }, authorize: (req: IncomingMessage, path: string) => authorizeRequest(req, path, auth) } : {};
    try {
      statsUIPort = (await startStatsUI({ address: options.cadvisorBindAddress, port: options.cadvisorPort, source: stats.provider, ...secure }, signal)).port;
      log.info('Started stats UI', { url: `${statsUIOnLoopback ? 'http' : 'https'}://${hostPort(options.cadvisorBindAddress, statsUIPort)}/` });
    } catch (e) {
      // A busy port must not stop the node: the UI is a convenience, the kubelet is not.
      log.error('Stats UI not started', e, { flag: '--cadvisor-port', address: options.cadvisorBindAddress, port: options.cadvisorPort });
    }
  }
  let healthz: HealthzServer | undefined;
  if (options.healthzPort > 0) {
    healthz = await startHealthz(options.healthzBindAddress, options.healthzPort, checks);
    log.info('Started healthz server', { address: options.healthzBindAddress, port: healthz.port });
  }

  const done = Promise.allSettled(loops).then(async (results) => {
    for (const r of results) if (r.status === 'rejected') log.error('Kubelet loop failed', r.reason);
    await healthz?.close();
    cri.close();
    ownedClient?.close();
    log.info('Kubelet stopped', { node: nodeName, healthz: healthzAnswer(checks).code === 200 ? 'ok' : 'failing' });
  });
  return { nodeName, healthzPort: healthz?.port ?? 0, port: serverPort, statsUIPort, done };
}
