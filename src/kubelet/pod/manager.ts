// The pod manager: the kubelet's desired pods by UID, and the mirror pods the API server holds
// for its static pods (matched by full name, and by config hash to tell a stale mirror).
import type { Pod } from '../../api/core/index.ts';
import { ConfigMirrorAnnotation, isMirrorPod } from '../../api/pod/index.ts';
import { ConfigHashAnnotation, podFullName } from '../config/index.ts';

export class PodManager {
  private readonly pods = new Map<string, Pod>();
  private readonly mirrors = new Map<string, Pod>();

  /** Adds or updates a pod (a mirror pod goes to the mirror table). */
  set(pod: Pod): void {
    if (isMirrorPod(pod)) this.mirrors.set(podFullName(pod), pod);
    else this.pods.set(pod.metadata.uid!, pod);
  }

  remove(pod: Pod): void {
    if (isMirrorPod(pod)) {
      const current = this.mirrors.get(podFullName(pod));
      if (current?.metadata.uid === pod.metadata.uid) this.mirrors.delete(podFullName(pod));
    } else this.pods.delete(pod.metadata.uid!);
  }

  get(uid: string): Pod | undefined {
    return this.pods.get(uid);
  }

  all(): Pod[] {
    return [...this.pods.values()];
  }

  byFullName(namespace: string, name: string): Pod | undefined {
    for (const p of this.pods.values()) if (p.metadata.name === name && (p.metadata.namespace ?? 'default') === namespace) return p;
    return undefined;
  }

  /** The mirror pod of a static pod, if the API server has one. */
  mirrorOf(staticPod: Pod): Pod | undefined {
    return this.mirrors.get(podFullName(staticPod));
  }

  /** Whether a mirror pod reflects the current version of its static pod. */
  static mirrorMatches(staticPod: Pod, mirror: Pod): boolean {
    return mirror.metadata.annotations?.[ConfigMirrorAnnotation] === staticPod.metadata.annotations?.[ConfigHashAnnotation] && !mirror.metadata.deletionTimestamp;
  }

  /** Mirror pods whose static pod is gone. */
  orphanedMirrors(): Pod[] {
    const names = new Set([...this.pods.values()].map(podFullName));
    return [...this.mirrors.values()].filter((m) => !names.has(podFullName(m)));
  }
}
