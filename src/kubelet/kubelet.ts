// The kubelet, started: preflight checks, the node half and pod management built (assembly/),
// their loops run, then stats and the listeners. Every loop stops once the signal aborts.
import { mkdir, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import type { ApiClient } from './client/client.ts';
import { realClock, type Clock } from './clock.ts';
import { newNodeAgent, newPodManagement, startServers } from './assembly/index.ts';
import { ContainerManager, createCgroupfs, machinePidLimit } from './cm/index.ts';
import { healthzAnswer, pingCheck, type HealthCheck } from './healthz.ts';
import { createLogger, type Logger } from './log.ts';
import type { MachineInfo } from './nodestatus/machine.ts';
import type { KubeletOptions } from './options/options.ts';
import { PodManager } from './pod/manager.ts';
import type { CriClient } from './runtime/cri/client.ts';
import { startStats } from './stats/index.ts';
import { newStreamingHost } from './kuberuntime/streaming.ts';
import { spdyBackend } from './server/streaming.ts';

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
  /** The healthz port actually bound, or 0 when disabled. */
  healthzPort: number;
  /** The kubelet API port actually bound, or 0 when disabled. */
  port: number;
  /** The stats UI port actually bound, or 0 when off (or its port was busy). */
  statsUIPort: number;
  /** What /healthz answers now. */
  healthz(verbose?: boolean): { code: number; body: string };
  /** Resolves once every loop has stopped after the signal aborted. */
  done: Promise<void>;
}

/** Upstream's node name: --hostname-override or the hostname, lowercased. */
export function nodeNameOf(o: Pick<KubeletOptions, 'hostnameOverride'>): string {
  return (o.hostnameOverride?.trim() || os.hostname()).toLowerCase();
}

async function swapIsOn(): Promise<boolean> {
  try {
    return (await readFile('/proc/swaps', 'utf8')).trim().split('\n').length > 1;
  } catch {
    return false;
  }
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

  // Built first: the CRI's metrics ask it which kind each container is.
  const pods = new PodManager();
  const node = await newNodeAgent({ options, nodeName, pods, clock, log, signal, api: deps.api, cri: deps.cri, machine: deps.machine });
  // The cgroups the kubelet owns (kubepods, the QoS classes', the pods'), with cgroupsPerQOS.
  const cm = options.cgroupsPerQOS ? new ContainerManager({
    cgroups: createCgroupfs(),
    capacity: { cpuMilli: node.machine.numCores * 1000, memoryBytes: node.machine.memoryCapacityBytes, pids: await machinePidLimit() },
    kubeReserved: options.kubeReserved,
    systemReserved: options.systemReserved,
    enforceNodeAllocatable: options.enforceNodeAllocatable,
    pod: { podPidsLimit: options.podPidsLimit },
    activePods: () => podManagement.pods().filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'),
    nodeEvent: node.nodeEvent,
    clock,
    log,
  }) : undefined;
  const podManagement = newPodManagement({
    options,
    podCgroups: cm?.podCgroups,
    nodeName,
    nodeUid: node.nodeUid,
    nodeIPs: node.nodeIPs,
    allocatable: node.allocatable,
    node: node.node,
    memoryCapacityBytes: node.machine.memoryCapacityBytes,
    pods,
    api: node.api,
    cri: node.cri,
    metrics: node.metrics,
    eventLimiter: node.eventLimiter,
    clock,
    log,
    signal,
  });

  const loops = await node.run();
  if (cm) loops.push(cm.run(signal));
  loops.push(...podManagement.run());
  const stats = await startStats({ options, nodeName, cri: node.cri, clock, log, pods: podManagement.pods, signal });
  if (stats) loops.push(stats.loop);

  const checks: HealthCheck[] = [podManagement.healthChecks.syncLoop, node.runtimeCheck, podManagement.healthChecks.pleg];
  const servers = await startServers({
    options,
    nodeName,
    nodeIPs: node.nodeIPs,
    api: node.api,
    stats,
    serve: {
      pods: podManagement.pods,
      probeMetrics: podManagement.probeMetrics,
      metrics: () => node.metrics.render(),
      logTarget: podManagement.logTarget,
      streaming: { host: newStreamingHost({ pods, cri: node.cri }), backend: spdyBackend },
    },
    checks,
    log,
    signal,
  });

  const done = Promise.allSettled(loops).then(async (results) => {
    for (const r of results) if (r.status === 'rejected') log.error('Kubelet loop failed', r.reason);
    await servers.close();
    node.close();
    log.info('Kubelet stopped', { node: nodeName, healthz: healthzAnswer(checks).code === 200 ? 'ok' : 'failing' });
  });
  return {
    nodeName,
    healthzPort: servers.healthzPort,
    port: servers.port,
    statsUIPort: servers.statsUIPort,
    healthz: (verbose = false) => healthzAnswer([pingCheck, ...checks], verbose),
    done,
  };
}
