// The kubelet's node half, assembled: the API client, the runtime connection (counted for
// /metrics), the runtime's health, events, node registration and status, and the Lease. Built
// here with every dependency handed over; run() starts the loops.
import type { Node } from '../../api/core/index.ts';
import { KubeClient, type ApiClient } from '../client/client.ts';
import { createEventRecorder, type EventRecorder } from '../client/events.ts';
import { resolveClientConfig } from '../client/kubeconfig.ts';
import type { Clock } from '../clock.ts';
import { createEventRateLimiter, type EventRateLimiter } from '../events/ratelimit.ts';
import { mountCapacity } from '../cadvisor/fs.ts';
import { ImageGCManager, runtimeSandboxImage } from '../images/gcmanager.ts';
import type { HealthCheck } from '../healthz.ts';
import type { Logger } from '../log.ts';
import { containerTypeIn, instrumentCri, KubeletMetrics } from '../metrics/index.ts';
import { NodeLeaseController } from '../nodelease/controller.ts';
import { computeAllocatable, computeCapacity, formatResources } from '../nodestatus/allocatable.ts';
import { nodeAddresses, observe, readMachineInfo, type MachineInfo } from '../nodestatus/machine.ts';
import { NodeStatusManager, type NodeStatusManagerOptions, type StatusSources } from '../nodestatus/manager.ts';
import { initialNode } from '../nodestatus/register.ts';
import type { KubeletOptions } from '../options/options.ts';
import type { PodManager } from '../pod/manager.ts';
import { createCriClient, type CriClient } from '../runtime/cri/client.ts';
import { RuntimeState } from '../runtimestate.ts';

export interface NodeAgentDeps {
  options: KubeletOptions;
  nodeName: string;
  /** The pod manager, which tells the CRI's metrics what kind each container is. */
  pods: Pick<PodManager, 'get'>;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** A ready API client (tests); otherwise built from --kubeconfig / --api-servers. */
  api?: ApiClient;
  cri?: CriClient;
  machine?: MachineInfo;
}

export interface NodeAgent {
  /** Absent when the kubelet runs standalone. */
  api?: ApiClient;
  /** The runtime connection, instrumented for /metrics. */
  cri: CriClient;
  metrics: KubeletMetrics;
  machine: MachineInfo;
  /** One limit for every event the kubelet writes, node and pod alike, as upstream's broadcaster. */
  eventLimiter: EventRateLimiter;
  /** The Node object's UID once registered. */
  nodeUid(): string | undefined;
  nodeIPs(): string[];
  /**
   * The Node's status.allocatable as last read or written; before that (or standalone), what the
   * kubelet would report from the machine (upstream's getNodeAnyWay: the lister, else the initial node).
   */
  allocatable(): Record<string, string | number>;
  /** Records an event about this node. */
  nodeEvent: EventRecorder['nodeEvent'];
  /** The Node as last read or written; before that (or standalone), the one the kubelet would register (upstream's getNodeAnyWay). */
  node(): Node;
  /** The `runtime` check for /healthz. */
  runtimeCheck: HealthCheck;
  /** Starts the runtime checks, then (once the runtime answered, or after 2 s) node status and Lease. */
  run(): Promise<Promise<void>[]>;
  /** Closes the connections it opened, once every loop has stopped. */
  close(): void;
}

export async function newNodeAgent(d: NodeAgentDeps): Promise<NodeAgent> {
  const { options, nodeName, clock, log, signal } = d;
  let api = d.api;
  let ownedClient: KubeClient | undefined;
  if (!api) {
    const config = await resolveClientConfig(options.kubeconfig, options.apiServers);
    if (config) api = ownedClient = new KubeClient(config, { clock, signal });
    else if (options.registerNode) throw new Error('no API server to register with: give --kubeconfig (or the legacy --api-servers URL), or run standalone with --register-node=false');
    else log.info('No API server given: running standalone (node status and Lease are not reported)');
  }

  const metrics = new KubeletMetrics({ nodeName, clock });
  // Runtime operations are counted for /metrics; container types need the pod spec.
  const cri = instrumentCri(d.cri ?? createCriClient(options.containerRuntimeEndpoint, { timeoutMs: options.runtimeRequestTimeoutMs, signal }), metrics, {
    containerType: (uid, name) => containerTypeIn(d.pods.get(uid)?.spec, name),
  });
  const runtime = new RuntimeState(cri, clock, log);
  const machine = d.machine ?? (await readMachineInfo());
  const eventLimiter = createEventRateLimiter(options.eventRecordQPS, options.eventBurst, clock, signal);
  const events = createEventRecorder(api, nodeName, clock, log, eventLimiter);
  let nodeUid: string | undefined;
  let allocatable: Record<string, string | number> | undefined;
  let lastNode: Node | undefined;
  const initialAllocatable = formatResources(computeAllocatable(computeCapacity(machine, undefined, options.maxPods), options.kubeReserved, options.systemReserved, options.evictionHard));
  const sources = statusSources(options, nodeName, machine, cri, runtime, clock);
  const onNode: NodeStatusManagerOptions['onNode'] = (node) => {
    nodeUid = node.metadata.uid ?? nodeUid;
    allocatable = node.status?.allocatable ?? allocatable;
    lastNode = node;
  };
  const imageGC = newImageGCManager(options, cri, events, metrics, clock, log);
  const initial: Node = { ...initialNode({ nodeName, ...nodeParams(options, nodeName, machine) }), status: { allocatable: initialAllocatable } } as Node;
  const nodeStatus = api && nodeStatusManager(d, { api, machine, sources, events, metrics, onNode });
  const lease = api && new NodeLeaseController({ api, nodeName, durationSeconds: options.nodeLeaseDurationSeconds, clock, log, nodeUid: () => nodeUid });

  return {
    api,
    cri,
    metrics,
    machine,
    eventLimiter,
    nodeUid: () => nodeUid,
    nodeIPs: () => sources.addresses().filter((a) => a.type === 'InternalIP').map((a) => a.address),
    allocatable: () => allocatable ?? initialAllocatable,
    nodeEvent: (type, reason, message) => events.nodeEvent(type, reason, message),
    node: () => lastNode ?? initial,
    runtimeCheck: {
      name: 'runtime',
      check: () => {
        const errs = runtime.errors();
        const why = runtime.current().lastFailure;
        return errs.length ? errs.join('; ') + (why ? ` (${why})` : '') : undefined;
      },
    },
    async run() {
      const loops = [runtime.run(signal), imageGC.run(signal)];
      events.nodeEvent('Normal', 'Starting', 'Starting kubelet.');
      if (!nodeStatus || !lease) return loops;
      // Give the runtime a moment to answer so the first status is not needlessly NotReady.
      for (let i = 0; i < 20 && !runtime.current().lastSync && !signal.aborted; i++) await clock.sleep(100, signal);
      loops.push(nodeStatus.run(signal), lease.run(signal));
      return loops;
    },
    close() {
      cri.close();
      ownedClient?.close();
    },
  };
}

/** Image garbage collection, as configured (the policy was validated with the options). */
function newImageGCManager(options: KubeletOptions, cri: CriClient, events: EventRecorder, metrics: KubeletMetrics, clock: Clock, log: Logger): ImageGCManager {
  return new ImageGCManager({
    cri,
    events,
    imageFsStats: () => imageFsStats(cri),
    policy: {
      highThresholdPercent: options.imageGCHighThresholdPercent,
      lowThresholdPercent: options.imageGCLowThresholdPercent,
      minAgeMs: options.imageMinimumGCAgeMs,
      maxAgeMs: options.imageMaximumGCAgeMs,
    },
    sandboxImages: async () => [options.podInfraContainerImage, (await runtimeSandboxImage(cri)) ?? ''].filter(Boolean),
    clock,
    log,
    onRemoved: (reason) => metrics.observeImageGarbageCollected(reason),
  });
}

/** The image filesystem's size and free space: statfs of where the runtime says its images are (upstream's ImageFsStats). */
export async function imageFsStats(cri: Pick<CriClient, 'imageFsInfo'>): Promise<{ capacityBytes: number; availableBytes: number }> {
  const mountpoint = (await cri.imageFsInfo({ timeoutMs: 10_000 })).imageFilesystems[0]?.fsId?.mountpoint;
  if (!mountpoint) throw new Error('the runtime reported no image filesystem');
  const cap = await mountCapacity(mountpoint);
  if (!cap) throw new Error(`cannot read the image filesystem at ${mountpoint}`);
  return { capacityBytes: cap.capacityBytes, availableBytes: cap.availableBytes };
}

function nodeParams(options: KubeletOptions, nodeName: string, machine: MachineInfo) {
  return { hostname: nodeName, os: machine.operatingSystem, arch: machine.architecture, nodeLabels: options.nodeLabels, taints: options.registerWithTaints };
}

/** Registers the node and keeps its status (upstream's node status manager). */
function nodeStatusManager(
  d: NodeAgentDeps,
  p: { api: ApiClient; machine: MachineInfo; sources: StatusSources; events: EventRecorder; metrics: KubeletMetrics; onNode: NodeStatusManagerOptions['onNode'] },
): NodeStatusManager {
  const { options, nodeName } = d;
  const { machine } = p;
  return new NodeStatusManager({
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
    node: nodeParams(options, nodeName, machine),
    api: p.api,
    sources: p.sources,
    events: p.events,
    clock: d.clock,
    log: d.log,
    onNode: p.onNode,
    hooks: p.metrics.nodeStatusHooks(),
  });
}

/** What the node status is made of: machine, filesystems, images, runtime health, addresses. */
function statusSources(options: KubeletOptions, nodeName: string, machine: MachineInfo, cri: CriClient, runtime: RuntimeState, clock: Clock): StatusSources {
  let imagefsPath: string | undefined;
  // Listing interfaces is costly (a veth per pod); the node's addresses are re-read at most every 10 s.
  const addresses = cachedFor(10_000, () => nodeAddresses(nodeName, options.nodeIP), clock);
  return {
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
