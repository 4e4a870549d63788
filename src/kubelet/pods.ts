// Pod management, assembled: the pod sources and their merge feed the pod manager and the pod
// workers; the PLEG wakes the workers when containers change; housekeeping removes what no
// source wants any more (only once every source has spoken, so a restart adopts, never kills).
import type { Pod } from '../api/core/index.ts';
import { isMirrorPod } from '../api/pod/index.ts';
import type { ApiClient } from './client/client.ts';
import type { Clock } from './clock.ts';
import {
  kubeClientPodListWatch,
  PodConfig,
  watchApiSource,
  watchFileSource,
  watchHttpSource,
  type PodChange,
  type PodSource,
} from './config/index.ts';
import type { KubeClient } from './client/client.ts';
import { ImageManager } from './images/puller.ts';
import {
  createPodCgroups,
  garbageCollect,
  getPodStatus,
  getRunningPods,
  killPod,
  newContainerBackoff,
  readResolvConf,
  removePod,
  type RuntimeManagerDeps,
} from './kuberuntime/index.ts';
import type { Logger } from './log.ts';
import type { KubeletOptions } from './options/options.ts';
import { criRelist, GenericPLEG, PodCache } from './pleg/index.ts';
import { envSources, objectReader, podStatusClient, pullSecret, volumeObjects } from './pod/apis.ts';
import { PodSyncer } from './pod/lifecycle.ts';
import { PodManager } from './pod/manager.ts';
import { deleteMirrorPod } from './pod/mirror.ts';
import { PodWorkers } from './pod/workers.ts';
import type { CriClient } from './runtime/cri/client.ts';
import type { LogTarget } from './server/server.ts';
import { StatusManager } from './status/index.ts';
import { ProbeManager } from './prober/index.ts';
import { parseContainerLogMaxSize, runContainerLogRotation } from './logs/rotation.ts';
import { VolumeManager } from './volume/index.ts';
import { createPodEventRecorder } from './events/recorder.ts';
import type { EventRateLimiter } from './events/ratelimit.ts';
import type { HealthCheck } from './healthz.ts';
import type { PodEventRecorder } from './kuberuntime/deps.ts';
import { instrumentRelist, type KubeletMetrics } from './metrics/index.ts';

export interface PodManagementDeps {
  options: KubeletOptions;
  nodeName: string;
  nodeUid: () => string | undefined;
  nodeIPs: () => string[];
  allocatable: { cpuMilli: number; memoryBytes: number };
  memoryCapacityBytes: number;
  api?: ApiClient & Partial<Pick<KubeClient, 'watch'>>;
  cri: CriClient;
  metrics?: KubeletMetrics;
  eventLimiter?: EventRateLimiter;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}

export interface PodManagement {
  /** The pods the kubelet runs, each with the latest status it computed. */
  pods(): Pod[];
  /** One pod as its source gave it (no status merged), by UID. */
  pod(uid: string): Pod | undefined;
  /** Prometheus text of /metrics/probes. */
  probeMetrics(): string;
  logTarget(namespace: string, pod: string, container: string, previous: boolean): Promise<LogTarget>;
  healthChecks: HealthCheck[];
  loops: Promise<void>[];
}

const housekeepingMs = 2_000;
const gcEveryMs = 60_000;

// A standalone kubelet (no API server) runs static pods only: every object it would read is absent.
const noApi: ApiClient = new Proxy({} as ApiClient, {
  get: () => () => Promise.reject(Object.assign(new Error('no API server'), { code: 404, reason: 'NotFound' })),
});

export function startPodManagement(d: PodManagementDeps): PodManagement {
  const { options: o, clock, log, signal, cri } = d;
  const api = d.api ?? noApi;
  const recorder: PodEventRecorder = createPodEventRecorder(d.api, d.nodeName, clock, log, d.eventLimiter);
  const read = objectReader(api);
  const pods = new PodManager();
  const now = () => clock.now();
  const runtime: RuntimeManagerDeps = {
    cri,
    images: new ImageManager({ cri, now, getSecret: (namespace, name) => pullSecret(read, namespace, name) }),
    backoff: newContainerBackoff(now),
    recorder,
    clock,
    log,
    podLogsRoot: o.podLogsDir,
    clusterDNS: o.clusterDNS,
    clusterDomain: o.clusterDomain,
    resolvConf: () => readResolvConf(o.resolvConf),
    podCgroups: o.cgroupsPerQOS ? createPodCgroups() : undefined,
    envSources: envSources(read),
    nodeName: d.nodeName,
    hostIPs: d.nodeIPs(),
    nodeAllocatable: d.allocatable,
    memoryCapacityBytes: d.memoryCapacityBytes,
  };
  let workers: PodWorkers;
  const status = new StatusManager({
    client: podStatusClient(api),
    clock,
    log,
    mirrorPodFor: (uid) => {
      const pod = pods.get(uid);
      const mirror = pod && pods.mirrorOf(pod);
      return mirror ? { namespace: mirror.metadata.namespace ?? 'default', name: mirror.metadata.name!, uid: mirror.metadata.uid! } : undefined;
    },
    podCouldHaveRunningContainers: (uid) => workers.state(uid) !== 'terminated',
    podResourcesAreReclaimed: (pod) => workers.state(pod.metadata.uid!) === 'terminated',
  });
  const volumes = new VolumeManager({ rootDir: o.rootDir, objects: volumeObjects(api, read), clock });
  const prober = new ProbeManager({
    runtime: cri,
    recorder,
    clock,
    signal,
    podStatus: (uid) => status.peekPodStatus(uid),
    onChange: (u) => {
      // Readiness reaches the API at once; failures and startup verdicts re-sync the pod.
      if (u.probeType === 'Readiness') status.setContainerReadiness(u.podUid, u.containerId, u.result === 'success');
      if (u.result === 'failure' || u.probeType === 'Startup') workers.resync(u.podUid);
    },
  });
  // Filled by the PLEG; pod syncs start from it.
  const podCache = new PodCache();
  const syncer = new PodSyncer({
    runtime,
    podCache,
    volumes,
    status,
    prober,
    pods,
    mirrorApi: d.api,
    node: () => ({ name: d.nodeName, uid: d.nodeUid(), ips: d.nodeIPs() }),
    rootDir: o.rootDir,
    clusterDomain: o.clusterDomain,
    syncFrequencyMs: o.syncFrequencyMs,
    clock,
    log,
  });
  runtime.mounts = (pod, container, podIPs) => syncer.containerMounts(pod, container, podIPs);
  workers = new PodWorkers(syncer, log, signal, { onSync: (e) => d.metrics?.observePodSync(e, status.peekPodStatus(e.uid)) });

  const onChanges = (changes: PodChange[]) => {
    for (const change of changes) {
      for (const pod of change.pods) {
        if (isMirrorPod(pod)) {
          // A mirror being deleted stays known until it is gone, so its static pod replaces it.
          if (change.op === 'REMOVE') pods.remove(pod);
          else pods.set(pod);
          // A mirror pod deleted or changed by someone else is put back by its static pod's sync.
          const owner = pods.byFullName(pod.metadata.namespace ?? 'default', pod.metadata.name!);
          if (owner) workers.resync(owner.metadata.uid!);
          continue;
        }
        if (change.op === 'REMOVE') {
          pods.remove(pod);
          workers.update({ pod, removed: true, gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds });
          continue;
        }
        pods.set(pod);
        if (change.op === 'RECONCILE') continue;
        const deleting = !!pod.metadata.deletionTimestamp;
        workers.update({ pod, terminate: deleting, gracePeriodSeconds: deleting ? pod.metadata.deletionGracePeriodSeconds : undefined });
      }
    }
  };
  const config = new PodConfig({
    onChange: onChanges,
    onError: (source, message) => log.error('Pod source failed', undefined, { source, message }),
  });
  const sources: PodSource[] = [];
  const loops: Promise<void>[] = [status.run(signal)];
  const apply = (u: Parameters<PodConfig['apply']>[0]) => void config.apply(u);
  const onError = (source: PodSource, message: string) => log.error('Pod source failed', undefined, { source, message });
  if (o.staticPodPath) {
    sources.push('file');
    loops.push(watchFileSource({ path: o.staticPodPath, nodeName: d.nodeName, periodMs: o.fileCheckFrequencyMs, signal, onUpdate: apply, onError, clock }));
  }
  if (o.manifestURL) {
    sources.push('http');
    loops.push(watchHttpSource({ url: o.manifestURL, headers: o.manifestURLHeader, nodeName: d.nodeName, periodMs: o.httpCheckFrequencyMs, signal, onUpdate: apply, onError, clock }));
  }
  if (d.api?.watch) {
    sources.push('api');
    loops.push(watchApiSource({ client: kubeClientPodListWatch(d.api as KubeClient), nodeName: d.nodeName, signal, onUpdate: apply, onError, clock }));
  }

  loops.push(runContainerLogRotation({ cri, maxSizeBytes: parseContainerLogMaxSize(o.containerLogMaxSize), maxFiles: o.containerLogMaxFiles, signal, clock, log }));

  const relist = d.metrics ? instrumentRelist(criRelist(cri), d.metrics) : criRelist(cri);
  const pleg = new GenericPLEG({ relist, cache: podCache, getPodStatus: (uid, name, ns) => getPodStatus(cri, uid, name, ns), clock, log, onRelist: d.metrics?.observeRelist });
  loops.push(pleg.run(signal));
  loops.push(
    (async () => {
      while (!signal.aborted) {
        const ev = await pleg.events.receive(signal);
        if (ev) workers.resync(ev.id);
      }
    })(),
  );

  // Housekeeping: runtime pods and mirror pods no source wants, orphaned statuses, container GC.
  let lastGc = 0;
  const housekeeping = async () => {
    if (!config.seenAllSources(sources)) return;
    const wanted = new Set(pods.all().map((p) => p.metadata.uid!));
    const known = new Set(workers.known());
    for (const running of await getRunningPods(cri, signal)) {
      if (wanted.has(running.uid) || known.has(running.uid)) continue;
      log.info('Cleaning up orphaned pod', { pod: `${running.namespace}/${running.name}`, podUID: running.uid });
      const st = await getPodStatus(cri, running.uid, running.name, running.namespace);
      await killPod(runtime, undefined, st);
      await removePod(runtime, st);
    }
    if (d.api) {
      for (const mirror of pods.orphanedMirrors()) {
        await deleteMirrorPod(d.api, mirror.metadata.namespace ?? 'default', mirror.metadata.name!, mirror.metadata.uid).catch(() => {});
        pods.remove(mirror);
      }
    }
    status.removeOrphanedStatuses(new Set([...wanted, ...known]));
    prober.cleanupPods(new Set([...wanted, ...known]));
    if (clock.now().getTime() - lastGc > gcEveryMs) {
      lastGc = clock.now().getTime();
      await garbageCollect(cri, { isPodDeleted: (uid) => !wanted.has(uid) && !known.has(uid), now, podLogsRoot: o.podLogsDir, signal });
    }
  };
  loops.push(
    (async () => {
      while (!signal.aborted) {
        await clock.sleep(housekeepingMs, signal);
        if (signal.aborted) break;
        await housekeeping().catch((e) => log.error('Housekeeping failed', e));
      }
    })(),
  );

  return {
    pod: (uid) => pods.get(uid),
    pods: () => pods.all().map((p) => {
      const latest = status.peekPodStatus(p.metadata.uid!);
      return latest ? { ...p, status: latest } : p;
    }),
    probeMetrics: () => prober.renderMetrics(),
    healthChecks: [pleg.healthCheck()],
    loops,
    async logTarget(namespace, name, container, previous) {
      const pod = pods.byFullName(namespace, name);
      if (!pod) throw Object.assign(new Error(`pod "${name}" not found in namespace "${namespace}" on this node`), { code: 404 });
      const st = await getPodStatus(cri, pod.metadata.uid!, name, namespace);
      const instances = st.containers.filter((c) => c.name === container);
      const chosen = instances[previous ? 1 : 0];
      if (!chosen?.logPath) {
        const what = previous ? `previous terminated container "${container}"` : `container "${container}"`;
        throw Object.assign(new Error(`${what} in pod "${name}" not found`), { code: previous ? 400 : 404 });
      }
      const id = chosen.id.id;
      return {
        path: chosen.logPath,
        running: () => pleg.cache.get(pod.metadata.uid!).status?.containers.find((c) => c.id.id === id)?.state === 'running',
      };
    },
  };
}
