// What the runtime manager's effectful shells (syncPod, killPod, gc) need from the rest of the
// kubelet: all injected, so tests pass fakes and the integrator adapts the real pieces.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import type { In, Mount } from '../runtime/cri/types.ts';
import type { ImageManager } from '../images/puller.ts';
import type { PullSecret } from '../images/auth.ts';
import type { Backoff } from '../backoff.ts';
import type { PodCgroups } from '../cm/index.ts';
import type { ResolvConf } from './dns.ts';
import type { EnvSources } from './env.ts';
import type { HookGet } from './hook_http.ts';
import type { Container, Pod } from '../../api/core/index.ts';

export interface PodRef { name: string; namespace: string; uid: string }
export type EventType = 'Normal' | 'Warning';

/** Records an Event about a pod; fieldPath names the container (`spec.containers{app}`). */
export interface PodEventRecorder {
  event(pod: PodRef, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export interface RuntimeManagerDeps {
  cri: CriClient;
  images: ImageManager;
  /** CrashLoopBackOff table (10 s doubling to 300 s). */
  backoff: Backoff;
  recorder: PodEventRecorder;
  clock: Clock;
  log?: Logger;
  /** The runtime handler (RuntimeClass) to run sandboxes with; '' for the default. */
  runtimeHandler?: string;
  /** Root of the pod log directories (default /var/log/pods). */
  podLogsRoot?: string;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** The node's resolv.conf (--resolv-conf), read once per sandbox. */
  resolvConf?: () => Promise<ResolvConf>;
  /** Makes, sets and removes pod cgroups (the container manager); none when absent (tests, cgroupsPerQOS off). */
  podCgroups?: PodCgroups;
  /** ConfigMaps and Secrets for env and envFrom. */
  envSources: EnvSources;
  /** Pull secrets by name. */
  getPullSecret?: (namespace: string, name: string) => Promise<PullSecret | undefined>;
  nodeName?: string;
  /** The node's IPs now (status.hostIP(s) variables), asked at each container start. */
  hostIPs?: () => string[];
  /** The node's status.allocatable now: the limits of containers that set none, for the downward API. */
  nodeAllocatable: () => Record<string, string | number>;
  /** Node memory capacity, for oom_score_adj of burstable containers. */
  memoryCapacityBytes: number;
  /**
   * Volume mounts from the volume manager (and /etc/hosts, which names podIPs: the sandbox's IPs);
   * env is the container's environment, which subPathExpr expands from.
   */
  mounts?: (pod: Pod, container: Container, podIPs: string[], env: ReadonlyMap<string, string>) => In<Mount>[] | Promise<In<Mount>[]>;
  /** Service link variables for a pod (enableServiceLinks). */
  serviceEnv?: (pod: Pod) => Record<string, string>;
  /** Directory creation (tests may stub it). */
  mkdir?: (path: string) => Promise<void>;
  /** The client of httpGet hooks (tests may stub it); default: hook_http.ts hookGet. */
  fetch?: HookGet;
}

export function podRef(pod: Pod): PodRef {
  return { name: pod.metadata.name!, namespace: pod.metadata.namespace || 'default', uid: pod.metadata.uid! };
}

/** Upstream's fieldPath for a container: spec.containers{name}, spec.initContainers{name} or spec.ephemeralContainers{name}. */
export function containerFieldPath(pod: Pod, name: string): string {
  if ((pod.spec.initContainers ?? []).some((c) => c.name === name)) return `spec.initContainers{${name}}`;
  if ((pod.spec.ephemeralContainers ?? []).some((c) => c.name === name)) return `spec.ephemeralContainers{${name}}`;
  return `spec.containers{${name}}`;
}
