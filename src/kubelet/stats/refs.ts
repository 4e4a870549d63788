// Which cgroups the built-in cAdvisor watches, decided from one CRI listing per pass: every
// running container of a pod the kubelet knows, at `<pod cgroup>/<container ID>` (containerd's
// cgroupfs layout under the parent the kubelet gave the sandbox). Pure: the provider feeds it.
import type { DirUsage } from '../cadvisor/types.ts';
import type { ContainerRef } from '../cadvisor/types.ts';
import type { Container, PodSandbox } from '../runtime/cri/types.ts';

/** The CRI labels upstream's kubelet puts on sandboxes and containers. */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

export interface RefInputs {
  sandboxes: PodSandbox[];
  containers: Container[];
  /** The pod cgroup (e.g. /kubepods/burstable/pod<uid>) of each pod the kubelet runs. */
  podCgroup: (podUid: string) => string | undefined;
  /** The pause process of a sandbox: its network namespace is the pod's. */
  sandboxPid: (sandboxId: string) => number | undefined;
  /** Writable-layer use by container ID, as the runtime reported it. */
  writableLayers: Map<string, DirUsage>;
  /** <podLogsDir>/<namespace>_<name>_<uid>/<container>. */
  logDir: (namespace: string, pod: string, uid: string, container: string) => string;
}

/** Container refs for every running container of a ready sandbox whose pod cgroup is known. */
export function containerRefs(i: RefInputs): ContainerRef[] {
  const ready = new Map(i.sandboxes.filter((s) => s.state === 'SANDBOX_READY').map((s) => [s.id, s]));
  const refs: ContainerRef[] = [];
  for (const c of i.containers) {
    if (c.state !== 'CONTAINER_RUNNING') continue;
    const sandbox = ready.get(c.podSandboxId);
    const uid = c.labels[LABEL_POD_UID];
    const name = c.labels[LABEL_CONTAINER_NAME] ?? c.metadata?.name;
    if (!sandbox || !uid || !name) continue;
    const podCgroup = i.podCgroup(uid);
    if (!podCgroup) continue;
    const pod = c.labels[LABEL_POD_NAME] ?? sandbox.metadata?.name ?? '';
    const namespace = c.labels[LABEL_POD_NAMESPACE] ?? sandbox.metadata?.namespace ?? '';
    const ref: ContainerRef = {
      id: c.id,
      cgroupPath: `${podCgroup}/${c.id}`,
      pid: i.sandboxPid(sandbox.id),
      podUid: uid,
      name,
      namespace,
      pod,
      image: c.image?.userSpecifiedImage || c.image?.image || c.imageRef,
      fsPaths: { logs: i.logDir(namespace, pod, uid, name) },
      createdAt: new Date(Math.floor(c.createdAt / 1e6)),
    };
    const layer = i.writableLayers.get(c.id);
    if (layer) ref.rootfs = layer;
    refs.push(ref);
  }
  return refs.sort((a, b) => a.id.localeCompare(b.id));
}
