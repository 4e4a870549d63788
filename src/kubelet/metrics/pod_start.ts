// Pod start latency, as upstream measures it in two places:
// - kubelet_pod_start_duration_seconds (SyncPod): from the kubelet first seeing the pod (the
//   kubernetes.io/config.seen annotation) to the first sync that reports it Running;
// - kubelet_pod_start_sli_duration_seconds and _total_ (pod startup latency tracker): from the
//   pod's creationTimestamp to when all its containers are reported started, the SLI without the
//   time spent pulling images (first pull start to last pull end). Only pods that had not started
//   when the kubelet first saw them count, so a restarted kubelet does not report adopted pods.
// The tracker is pure: it is told what happened and when, and answers what to observe.
import type { ContainerState, Pod, PodSpec, PodStatus } from '../../api/core/index.ts';

/** What the tracker reads of a pod. */
export type PodStartPod = Pick<Pod, 'metadata' | 'status'> & { spec?: Pick<PodSpec, 'hostNetwork'> };

/** What the tracker reads of the status the kubelet generated. */
export type PodStartStatus = Pick<PodStatus, 'phase'> & { containerStatuses?: { state?: Pick<ContainerState, 'running' | 'terminated'> }[] };

export interface PodStartObservations {
  /** kubelet_pod_start_duration_seconds */
  startSeconds?: number;
  /** kubelet_pod_start_sli_duration_seconds and kubelet_pod_start_total_duration_seconds */
  sli?: { sliSeconds: number; totalSeconds: number; firstWithNetwork: boolean };
}

interface PodRecord {
  /** Not started when first seen: the SLI is this kubelet's to report. */
  trackSli: boolean;
  sliRecorded: boolean;
  wasRunning: boolean;
}

interface PullWindow { firstStart: number; lastEnd: number }

export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';
/** Bounds the per-pod state whatever happens to the hooks that clean it up. */
const maxTracked = 10_000;

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** Every container reports started (running, or already finished), as upstream's hasPodStartedSLO. */
function allContainersStarted(status: PodStartStatus): boolean {
  const cs = status.containerStatuses ?? [];
  return cs.length > 0 && cs.every((c) => c.state?.running !== undefined || c.state?.terminated !== undefined);
}

function boundedSet<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key) && map.size >= maxTracked) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

export class PodStartTracker {
  private readonly pods = new Map<string, PodRecord>();
  private readonly pulls = new Map<string, PullWindow>();
  private firstNetworkPodSeen = false;

  /** An image pull for the pod ran from startMs to endMs (wall clock, ms). */
  recordPull(uid: string, startMs: number, endMs: number): void {
    const w = this.pulls.get(uid);
    if (w) {
      w.firstStart = Math.min(w.firstStart, startMs);
      w.lastEnd = Math.max(w.lastEnd, endMs);
    } else {
      boundedSet(this.pulls, uid, { firstStart: startMs, lastEnd: endMs });
    }
  }

  /** A sync of `pod` ended at nowMs with the kubelet's `status` for it: what, if anything, to observe. */
  podSynced(pod: PodStartPod, status: PodStartStatus | undefined, nowMs: number): PodStartObservations {
    const uid = pod.metadata.uid;
    if (!uid) return {};
    let rec = this.pods.get(uid);
    if (!rec) {
      rec = { trackSli: !pod.status?.startTime, sliRecorded: false, wasRunning: pod.status?.phase === 'Running' };
      boundedSet(this.pods, uid, rec);
    }
    const phase = status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.forget(uid);
      return {};
    }
    const out: PodStartObservations = {};
    if (phase === 'Running' && !rec.wasRunning) {
      rec.wasRunning = true;
      const seen = parseTime(pod.metadata.annotations?.[CONFIG_SEEN_ANNOTATION]);
      if (seen !== undefined) out.startSeconds = Math.max(0, (nowMs - seen) / 1000);
    }
    if (rec.trackSli && !rec.sliRecorded && phase === 'Running' && status && allContainersStarted(status)) {
      rec.sliRecorded = true;
      const created = parseTime(pod.metadata.creationTimestamp);
      if (created !== undefined) {
        const total = Math.max(0, (nowMs - created) / 1000);
        const w = this.pulls.get(uid);
        const pulling = w ? Math.max(0, (w.lastEnd - w.firstStart) / 1000) : 0;
        let firstWithNetwork = false;
        if (!pod.spec?.hostNetwork && !this.firstNetworkPodSeen) {
          this.firstNetworkPodSeen = true;
          firstWithNetwork = true;
        }
        out.sli = { sliSeconds: Math.max(0, total - pulling), totalSeconds: total, firstWithNetwork };
      }
      this.pulls.delete(uid);
    }
    return out;
  }

  /** The pod is being killed or has finished: drop what is kept about it. */
  forget(uid: string): void {
    this.pods.delete(uid);
    this.pulls.delete(uid);
  }

  /** How many pods are tracked (for tests: the state stays bounded). */
  get size(): number {
    return this.pods.size + this.pulls.size;
  }
}
