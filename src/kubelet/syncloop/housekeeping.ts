// Housekeeping (upstream's HandlePodCleanups), one pass every two seconds from the sync loop:
// runtime pods and mirror pods that no source wants, statuses and probe workers of pods no
// longer known, expired back-offs, and container garbage collection once a minute. Nothing is called orphaned
// before every source has sent its first set, so a restarted kubelet adopts its pods.
import type { ApiClient } from '../client/client.ts';
import type { Clock } from '../clock.ts';
import { garbageCollect, getPodStatus, killPod, removePod, runningPods, type RuntimeListing, type RuntimeManagerDeps } from '../kuberuntime/index.ts';
import type { Logger } from '../log.ts';
import type { PodManager } from '../pod/manager.ts';
import { deleteMirrorPod } from '../pod/mirror.ts';
import type { PodWorkerStates } from '../pod/workers.ts';
import type { ProbeManager } from '../prober/index.ts';
import type { StatusManager } from '../status/index.ts';

export interface HousekeepingDeps {
  /** Whether every pod source has sent its first set (upstream's sourcesReady). */
  sourcesReady: () => boolean;
  pods: Pick<PodManager, 'all' | 'get' | 'orphanedMirrors' | 'remove'>;
  workers: Pick<PodWorkerStates, 'state' | 'known' | 'markPodsSynced'>;
  /** Kills and removes orphaned runtime pods. */
  runtime: RuntimeManagerDeps;
  /** The runtime's pods, at most the runtime cache's period old (upstream's runtimeCache.GetPods). */
  listRuntime: (signal: AbortSignal) => Promise<RuntimeListing>;
  /** For orphaned mirror pods; absent when the kubelet runs without an API server. */
  mirrorApi?: ApiClient;
  status: Pick<StatusManager, 'removeOrphanedStatuses'>;
  prober: Pick<ProbeManager, 'cleanupPods'>;
  podLogsRoot?: string;
  clock: Clock;
  log: Logger;
}

const gcPeriodMs = 60_000;

export class Housekeeping {
  private lastGc = 0;

  constructor(private readonly d: HousekeepingDeps) {}

  /** One pass. Whether a pod is known is asked when it is looked at: pods come and go meanwhile. */
  async run(signal: AbortSignal): Promise<void> {
    const { d } = this;
    if (!d.sourcesReady()) return;
    d.workers.markPodsSynced();
    const known = (uid: string) => d.pods.get(uid) !== undefined || d.workers.state(uid) !== undefined;
    const cri = d.runtime.cri;
    const { sandboxes, containers } = await d.listRuntime(signal);
    for (const running of runningPods(sandboxes, containers)) {
      if (known(running.uid)) continue;
      d.log.info('Cleaning up orphaned pod', { pod: `${running.namespace}/${running.name}`, podUID: running.uid });
      // The kubelet's stop ends the kill too (a preStop hook may wait out a long grace period).
      const st = await getPodStatus(cri, running.uid, running.name, running.namespace, { signal });
      await killPod(d.runtime, undefined, st, { signal });
      if (signal.aborted) return;
      await removePod(d.runtime, st, signal);
    }
    if (d.mirrorApi) {
      for (const mirror of d.pods.orphanedMirrors()) {
        await deleteMirrorPod(d.mirrorApi, mirror.metadata.namespace ?? 'default', mirror.metadata.name!, mirror.metadata.uid).catch(() => {});
        d.pods.remove(mirror);
      }
    }
    const keep = new Set([...d.pods.all().map((p) => p.metadata.uid!), ...d.workers.known()]);
    d.status.removeOrphanedStatuses(keep);
    d.prober.cleanupPods(keep);
    // Back-offs of pods long gone would otherwise be kept for the node's life (upstream: backOff.GC()).
    d.runtime.backoff.gc();
    d.runtime.images.gc();
    const now = d.clock.now().getTime();
    if (now - this.lastGc > gcPeriodMs) {
      this.lastGc = now;
      await garbageCollect(cri, { isPodDeleted: (uid) => !known(uid), now: () => d.clock.now(), podLogsRoot: d.podLogsRoot, signal });
    }
  }
}
