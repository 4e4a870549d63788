// Kubelet admission (upstream's canAdmitPod / rejectPod in HandlePodAdditions): every new pod,
// whatever its source, goes through the admit handlers in order before a pod worker ever sees
// it; the pods admitted before it and still active count as used. A refused pod ends Failed
// with the handler's reason, "Pod was rejected: " and its message, and a Warning event; it never
// starts. The decisions are pure; PodAdmission is the thin shell around them.
import type { Pod, PodStatus } from '../../api/core/index.ts';
import { isStaticPod, podQOSClass } from '../../api/pod/index.ts';
import type { PodEventRecorder } from '../kuberuntime/index.ts';
import type { Logger } from '../log.ts';
import type { AdmitHandler, AdmitResult } from './types.ts';

/** The first handler's refusal, else admitted (upstream's canAdmitPod). */
export function canAdmitPod(handlers: AdmitHandler[], pod: Pod, otherPods: Pod[]): AdmitResult {
  for (const h of handlers) {
    const r = h(pod, otherPods);
    if (!r.admit) return r;
  }
  return { admit: true };
}

/** Oldest first, as upstream's PodsByCreationTime; equal times keep their order. */
export function byCreationTime(pods: Pod[]): Pod[] {
  const t = (p: Pod) => (p.metadata.creationTimestamp ? Date.parse(String(p.metadata.creationTimestamp)) : 0);
  return pods.map((p, i) => ({ p, i })).sort((a, b) => t(a.p) - t(b.p) || a.i - b.i).map((x) => x.p);
}

/** The status of a refused pod (upstream's rejectPod). */
export function rejectedStatus(pod: Pod, reason: string, message: string): PodStatus {
  return { phase: 'Failed', reason, message: `Pod was rejected: ${message}`, qosClass: podQOSClass(pod.spec) };
}

const isTerminalPhase = (phase: string | undefined) => phase === 'Failed' || phase === 'Succeeded';

export interface PodAdmissionDeps {
  handlers: AdmitHandler[];
  /** The pods the kubelet has (the pod manager's). */
  pods: () => Pod[];
  /** The phase the kubelet last computed for a pod (the status manager's). */
  phase: (uid: string) => string | undefined;
  /** Whether the pod's worker has finished it (upstream's IsPodKnownTerminated). */
  terminated: (uid: string) => boolean;
  setPodStatus: (pod: Pod, status: PodStatus) => void;
  recorder: PodEventRecorder;
  /**
   * A refused static pod's mirror pod, so that the API shows why it does not run (upstream only
   * makes mirrors in a sync, which a refused pod never has); absent without an API server.
   */
  ensureMirrorPod?: (pod: Pod) => Promise<void>;
  log: Logger;
}

export class PodAdmission {
  private readonly rejected = new Set<string>();

  constructor(private readonly d: PodAdmissionDeps) {}

  /** Upstream's filterOutInactivePods: admitted, not finished, not the pod itself. */
  activePods(except?: string): Pod[] {
    return this.d.pods().filter((p) => {
      const uid = p.metadata.uid!;
      if (uid === except || this.rejected.has(uid) || this.d.terminated(uid)) return false;
      return !isTerminalPhase(this.d.phase(uid) ?? p.status?.phase);
    });
  }

  /** Admits the pod, or refuses it (status, event, mirror) and says so. */
  admit(pod: Pod): boolean {
    const uid = pod.metadata.uid!;
    if (this.rejected.has(uid)) return false;
    const result = canAdmitPod(this.d.handlers, pod, this.activePods(uid));
    if (result.admit) return true;
    this.reject(pod, result.reason, result.message);
    return false;
  }

  /** Whether the pod was refused (its later changes start nothing; its deletion still runs). */
  isRejected(uid: string): boolean {
    return this.rejected.has(uid);
  }

  /** The pod is gone from its source. */
  forget(uid: string): void {
    this.rejected.delete(uid);
  }

  private reject(pod: Pod, reason: string, message: string): void {
    const { d } = this;
    this.rejected.add(pod.metadata.uid!);
    d.log.info('Failed to admit pod', { pod: `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, reason, message });
    d.recorder.event({ name: pod.metadata.name!, namespace: pod.metadata.namespace ?? 'default', uid: pod.metadata.uid! }, 'Warning', reason, message);
    const status = rejectedStatus(pod, reason, message);
    if (!isStaticPod(pod) || !d.ensureMirrorPod) return d.setPodStatus(pod, status);
    // The status goes to the mirror pod, which must exist first.
    void d.ensureMirrorPod(pod).catch(() => {}).finally(() => {
      if (this.rejected.has(pod.metadata.uid!)) d.setPodStatus(pod, status);
    });
  }
}
