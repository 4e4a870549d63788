// Pod management, assembled: every part is built here and handed its dependencies at
// construction, in dependency order; nothing runs until run(). The sources' changes, the PLEG's
// events and the prober's results meet in the sync loop, which hands them to the pod workers.
import { setMaxListeners } from 'node:events';
import type { Node, Pod } from '../../api/core/index.ts';
import type { ApiClient, KubeClient } from '../client/client.ts';
import type { Clock } from '../clock.ts';
import type { EventRateLimiter } from '../events/ratelimit.ts';
import { createPodEventRecorder } from '../events/recorder.ts';
import type { HealthCheck } from '../healthz.ts';
import { ImageManager } from '../images/puller.ts';
import type { PodCgroups } from '../cm/index.ts';
import { newContainerBackoff, getPodStatus, readResolvConf, RuntimeCache, type PodEventRecorder, type RuntimeManagerDeps } from '../kuberuntime/index.ts';
import { evictionAdmit, predicateAdmit, pressureConditions, PodAdmission } from '../lifecycle/index.ts';
import type { Logger } from '../log.ts';
import { parseContainerLogMaxSize, runContainerLogRotation } from '../logs/rotation.ts';
import { instrumentRelist, type KubeletMetrics } from '../metrics/index.ts';
import type { KubeletOptions } from '../options/options.ts';
import { BoundedChannel, criRelist, GenericPLEG, PodCache } from '../pleg/index.ts';
import { envSources, objectReader, podStatusClient, pullSecret, volumeObjects } from '../pod/apis.ts';
import { PodSyncer } from '../pod/lifecycle.ts';
import type { PodManager } from '../pod/manager.ts';
import { PodWorkers, PodWorkerStates } from '../pod/workers.ts';
import { ProbeManager, type ProbeUpdate } from '../prober/index.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import { logContainerId } from '../logs/target.ts';
import type { LogTarget } from '../server/server.ts';
import { StatusManager, type MirrorPodRef } from '../status/index.ts';
import { Housekeeping, SyncLoop, WorkQueue } from '../syncloop/index.ts';
import { VolumeManager } from '../volume/index.ts';
import { newPodSources } from './sources.ts';

export interface PodManagementDeps {
  options: KubeletOptions;
  nodeName: string;
  nodeUid: () => string | undefined;
  nodeIPs: () => string[];
  /** The Node's status.allocatable now. */
  allocatable: () => Record<string, string | number>;
  /** The Node now (upstream's getNodeAnyWay), for admission. */
  node: () => Node;
  memoryCapacityBytes: number;
  /** The container manager's pod cgroups; absent with cgroupsPerQOS off. */
  podCgroups?: PodCgroups;
  /** The pod manager: built first, since the CRI's metrics ask it which kind a container is. */
  pods: PodManager;
  api?: ApiClient & Partial<Pick<KubeClient, 'watch'>>;
  cri: CriClient;
  metrics?: KubeletMetrics;
  eventLimiter?: EventRateLimiter;
  clock: Clock;
  log: Logger;
  /** The kubelet's lifetime. */
  signal: AbortSignal;
}

export interface PodManagement {
  /** The pods the kubelet runs, each with the latest status it computed. */
  pods(): Pod[];
  /** Prometheus text of /metrics/probes. */
  probeMetrics(): string;
  logTarget(namespace: string, pod: string, container: string, previous: boolean): Promise<LogTarget>;
  /** The sync loop's and the PLEG's. */
  healthChecks: { syncLoop: HealthCheck; pleg: HealthCheck };
  /** Starts every loop; each ends once the kubelet's signal aborts. */
  run(): Promise<void>[];
}

/**
 * Probe result changes waiting for the sync loop, one per container and probe: only the newest
 * verdict matters (a dropped readiness change would leave the status wrong), so none is dropped
 * and the channel holds at most one per probe worker.
 */
export function newProbeResultsChannel(): BoundedChannel<ProbeUpdate> {
  return new BoundedChannel<ProbeUpdate>(Infinity, (u) => `${u.containerId}/${u.probeType}`);
}

// A standalone kubelet (no API server) runs static pods only: every object it would read is absent.
const noApi: ApiClient = new Proxy({} as ApiClient, {
  get: () => () => Promise.reject(Object.assign(new Error('no API server'), { code: 404, reason: 'NotFound' })),
});

export function newPodManagement(d: PodManagementDeps): PodManagement {
  const { options: o, clock, log, signal, cri, pods } = d;
  // Every loop and pod/probe worker waits on this one signal at once; each lets go when done
  // (test/unit/kubelet/lifetime_signal.test.ts).
  setMaxListeners(0, signal);
  const api = d.api ?? noApi;
  const recorder = createPodEventRecorder(d.api, d.nodeName, clock, log, d.eventLimiter);
  const read = objectReader(api);
  const runtime = runtimeManagerDeps(d, recorder, read);
  // Written by the pod workers, read by the status manager before it deletes a pod.
  const workerStates = new PodWorkerStates();
  const status = new StatusManager({
    client: podStatusClient(api),
    clock,
    log,
    mirrorPodFor: (uid) => mirrorRef(pods, uid),
    podCouldHaveRunningContainers: (uid) => workerStates.couldHaveRunningContainers(uid),
    podResourcesAreReclaimed: (pod) => workerStates.isTerminated(pod.metadata.uid!),
  });
  const volumes = new VolumeManager({ rootDir: o.rootDir, objects: volumeObjects(api, read), clock, nodeAllocatable: d.allocatable });
  const probeResults = newProbeResultsChannel();
  const prober = new ProbeManager({
    runtime: cri, recorder, clock, signal,
    podStatus: (uid) => status.peekPodStatus(uid),
    onChange: (u) => probeResults.trySend(u),
  });
  // Filled by the PLEG; pod syncs start from it.
  const podCache = new PodCache();
  const syncer = new PodSyncer({
    runtime, podCache, volumes, status, prober, pods, mirrorApi: d.api,
    node: () => ({ name: d.nodeName, uid: d.nodeUid(), ips: d.nodeIPs() }),
    rootDir: o.rootDir, clusterDomain: o.clusterDomain, syncFrequencyMs: o.syncFrequencyMs, clock, log,
  });
  const resyncQueue = new WorkQueue(clock);
  const workers = new PodWorkers({
    lifecycle: syncer, states: workerStates, resyncQueue, clock, log, signal,
    onSync: (e) => d.metrics?.observePodSync(e, status.peekPodStatus(e.uid)),
  });
  // The PLEG's relist keeps it fresh; housekeeping reads it rather than listing again.
  const runtimeCache = new RuntimeCache(cri, clock);
  const relist = d.metrics ? instrumentRelist(criRelist(runtimeCache), d.metrics) : criRelist(runtimeCache);
  const pleg = new GenericPLEG({ relist, cache: podCache, getPodStatus: (uid, name, ns) => getPodStatus(cri, uid, name, ns), clock, log, onRelist: d.metrics?.observeRelist });
  const sources = newPodSources({ options: o, nodeName: d.nodeName, api: d.api, clock, log, signal });
  const housekeeping = new Housekeeping({
    sourcesReady: sources.ready, pods, workers: workerStates, runtime, listRuntime: (s) => runtimeCache.get(s), mirrorApi: d.api, status, prober, podLogsRoot: o.podLogsDir, clock, log,
  });
  // Upstream's admit handlers in their order: eviction's, then the general predicates.
  const admission = new PodAdmission({
    handlers: [(pod) => evictionAdmit(pod, pressureConditions(d.node())), (pod, others) => predicateAdmit(pod, d.node(), others)],
    pods: () => pods.all(),
    phase: (uid) => status.peekPodStatus(uid)?.phase,
    terminated: (uid) => workerStates.isTerminated(uid),
    setPodStatus: (pod, st) => status.setPodStatus(pod, st),
    recorder,
    ensureMirrorPod: d.api ? (pod) => syncer.ensureMirrorPod(pod) : undefined,
    log,
  });
  const syncLoop = new SyncLoop({
    inputs: { config: sources.updates, pleg: pleg.events, probes: probeResults },
    pods, workers, status, admission, resyncQueue, housekeeping: (s) => housekeeping.run(s), clock, log, syncFrequencyMs: o.syncFrequencyMs,
  });

  return {
    pods: () => pods.all().map((p) => {
      const latest = status.peekPodStatus(p.metadata.uid!);
      return latest ? { ...p, status: latest } : p;
    }),
    probeMetrics: () => prober.renderMetrics(),
    logTarget: (namespace, name, container, previous) => podLogTarget({ pods, cri, cache: podCache, status }, namespace, name, container, previous),
    healthChecks: { syncLoop: syncLoop.healthCheck(), pleg: pleg.healthCheck() },
    run: () => [
      status.run(signal),
      ...sources.run(),
      runContainerLogRotation({ cri, maxSizeBytes: parseContainerLogMaxSize(o.containerLogMaxSize), maxFiles: o.containerLogMaxFiles, signal, clock, log }),
      pleg.run(signal),
      syncLoop.run(signal),
    ],
  };
}

/** What the runtime manager's shells (syncPod, killPod, removePod) work with. */
function runtimeManagerDeps(d: PodManagementDeps, recorder: PodEventRecorder, read: ReturnType<typeof objectReader>): RuntimeManagerDeps {
  const { options: o, clock, cri } = d;
  const now = () => clock.now();
  return {
    cri,
    images: new ImageManager({ cri, now, getSecret: (namespace, name) => pullSecret(read, namespace, name) }),
    backoff: newContainerBackoff(now),
    recorder,
    clock,
    log: d.log,
    podLogsRoot: o.podLogsDir,
    clusterDNS: o.clusterDNS,
    clusterDomain: o.clusterDomain,
    resolvConf: () => readResolvConf(o.resolvConf),
    podCgroups: d.podCgroups,
    envSources: envSources(read),
    nodeName: d.nodeName,
    hostIPs: d.nodeIPs,
    nodeAllocatable: d.allocatable,
    memoryCapacityBytes: d.memoryCapacityBytes,
  };
}

/** A static pod's mirror pod, for the status manager (a static pod reports through it). */
function mirrorRef(pods: PodManager, uid: string): MirrorPodRef | undefined {
  const pod = pods.get(uid);
  const mirror = pod && pods.mirrorOf(pod);
  return mirror ? { namespace: mirror.metadata.namespace ?? 'default', name: mirror.metadata.name!, uid: mirror.metadata.uid! } : undefined;
}

/**
 * Where a container's log is (kubectl logs): the instance the pod's status names, as upstream's
 * GetContainerLogs: the status manager's status (else the pod's own), then the runtime's record of
 * that container for its log path.
 */
async function podLogTarget(
  d: { pods: PodManager; cri: CriClient; cache: PodCache; status: StatusManager }, namespace: string, name: string, container: string, previous: boolean,
): Promise<LogTarget> {
  const pod = d.pods.byFullName(namespace, name);
  if (!pod) throw Object.assign(new Error(`pod "${name}" does not exist`), { code: 404 });
  const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  if (!specs.some((c) => c.name === container)) throw Object.assign(new Error(`container "${container}" not found in pod "${name}"`), { code: 404 });
  const id = logContainerId(name, d.status.peekPodStatus(pod.metadata.uid!) ?? pod.status, container, previous);
  const st = await getPodStatus(d.cri, pod.metadata.uid!, name, namespace);
  const chosen = st.containers.find((c) => c.id.id === id);
  if (!chosen?.logPath) throw Object.assign(new Error(`failed to get container status "${id}": container not found`), { code: 400 });
  return {
    path: chosen.logPath,
    running: () => d.cache.get(pod.metadata.uid!).status?.containers.find((c) => c.id.id === id)?.state === 'running',
  };
}
