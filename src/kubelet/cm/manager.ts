// The container manager's cgroup half, as upstream's (pkg/kubelet/cm): the node allocatable
// cgroup (`kubepods`), the QoS cgroups (`kubepods/besteffort`, `kubepods/burstable`) and one
// cgroup per pod under them (Guaranteed pods directly under `kubepods`). The values come from
// resources.ts; the cgroupfs driver writes them.
import type { Pod } from '../../api/core/index.ts';
import { podQOSClass } from '../../api/pod/qos.ts';
import type { Quantity } from '../../api/quantity.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Cgroupfs } from './cgroupfs.ts';
import { nodeAllocatableConfig, podResourceConfig, qosResourceConfigs, type PodCgroupSettings } from './resources.ts';

export const CGROUP_ROOT = '/kubepods';

/** cgroupfs layout: Guaranteed pods directly under /kubepods, the others under their class. */
export function podCgroupParent(pod: Pod, root = CGROUP_ROOT): string {
  const qos = podQOSClass(pod.spec ?? {});
  const base = qos === 'Guaranteed' ? root : `${root}/${qos.toLowerCase()}`;
  return `${base}/pod${pod.metadata.uid}`;
}

/** What the kubelet does with a pod's cgroup: made and set before its sandbox, removed once it is gone. */
export interface PodCgroups {
  ensure(pod: Pod): Promise<void>;
  remove(pod: Pod): Promise<void>;
}

export interface ContainerManagerDeps {
  cgroups: Cgroupfs;
  /** The machine: CPU in millicores, memory in bytes, the process limit (pid_max). */
  capacity: { cpuMilli: number; memoryBytes: number; pids?: number };
  kubeReserved: Record<string, Quantity>;
  systemReserved: Record<string, Quantity>;
  /** enforceNodeAllocatable: kubepods is capped at allocatable when it names "pods". */
  enforceNodeAllocatable: string[];
  pod: PodCgroupSettings;
  /** The pods that are not terminal (upstream's activePods), for the Burstable class's shares. */
  activePods: () => Pod[];
  /** Node events: NodeAllocatableEnforced once kubepods is set, FailedNodeAllocatableEnforcement otherwise. */
  nodeEvent: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  clock: Clock;
  log: Logger;
}

/** Upstream's periodicQOSCgroupUpdateInterval. */
const QOS_UPDATE_INTERVAL_MS = 60_000;

export class ContainerManager {
  constructor(private readonly d: ContainerManagerDeps) {}

  /** kubepods at node allocatable (capacity when not enforced). */
  async enforceNodeAllocatable(): Promise<void> {
    const { d } = this;
    const enforced = d.enforceNodeAllocatable.includes('pods');
    await d.cgroups.apply(CGROUP_ROOT, nodeAllocatableConfig(d.capacity, [d.kubeReserved, d.systemReserved], enforced));
  }

  /** The QoS cgroups' values now (upstream's UpdateQOSCgroups). */
  async updateQOSCgroups(): Promise<void> {
    const qos = qosResourceConfigs(this.d.activePods());
    await this.d.cgroups.apply(`${CGROUP_ROOT}/besteffort`, qos.besteffort);
    await this.d.cgroups.apply(`${CGROUP_ROOT}/burstable`, qos.burstable);
  }

  readonly podCgroups: PodCgroups = {
    ensure: async (pod) => {
      // Upstream updates the QoS cgroups before a new pod's cgroup, so its class's shares include it.
      await this.updateQOSCgroups().catch((err) => this.d.log.error('Failed to update QoS cgroups', err));
      await this.d.cgroups.apply(podCgroupParent(pod), podResourceConfig(pod, this.d.pod));
    },
    remove: async (pod) => {
      await this.d.cgroups.remove(podCgroupParent(pod));
      await this.updateQOSCgroups().catch((err) => this.d.log.error('Failed to update QoS cgroups', err));
    },
  };

  /**
   * Sets kubepods (retrying each minute until it takes, as upstream: usage may exceed a lowered
   * limit until pods are evicted), then keeps the QoS cgroups current.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { d } = this;
    for (;;) {
      try {
        await this.enforceNodeAllocatable();
        d.nodeEvent('Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
        break;
      } catch (err) {
        d.nodeEvent('Warning', 'FailedNodeAllocatableEnforcement', `Failed to update Node Allocatable Limits "${CGROUP_ROOT}": ${(err as Error).message}`);
      }
      if (!(await sleep(d.clock, 60_000, signal))) return;
    }
    do {
      await this.updateQOSCgroups().catch((err) => d.log.error('Failed to update QoS cgroups', err));
    } while (await sleep(d.clock, QOS_UPDATE_INTERVAL_MS, signal));
  }
}

/** false once the signal aborts. */
async function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await clock.sleep(ms, signal);
  } catch {
    return false;
  }
  return !signal.aborted;
}
