// The PLEG's relist over CRI: ListPodSandbox + ListContainers (through the runtime cache, which
// housekeeping reads too), grouped into pods by the io.kubernetes.pod.uid label the kubelet puts
// on everything it creates (others are ignored).
import type { ContainerStateName } from '../container/types.ts';
import type { Container, ContainerState, PodSandbox } from '../runtime/cri/types.ts';
import type { RelistPod } from './types.ts';

const podUidLabel = 'io.kubernetes.pod.uid';
const podNameLabel = 'io.kubernetes.pod.name';
const podNamespaceLabel = 'io.kubernetes.pod.namespace';
const containerNameLabel = 'io.kubernetes.container.name';

const containerStates: Record<ContainerState, ContainerStateName> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

/** Pure grouping of what CRI listed; newest sandbox first, as the runtime manager orders them. */
export function groupRelist(sandboxes: PodSandbox[], containers: Container[]): Map<string, RelistPod> {
  const pods = new Map<string, RelistPod>();
  const podFor = (uid: string, name: string | undefined, namespace: string | undefined) => {
    let p = pods.get(uid);
    if (!p) {
      p = { uid, name: name ?? '', namespace: namespace ?? '', sandboxes: [], containers: [] };
      pods.set(uid, p);
    }
    if (!p.name && name) p.name = name;
    if (!p.namespace && namespace) p.namespace = namespace;
    return p;
  };
  for (const s of [...sandboxes].sort((a, b) => b.createdAt - a.createdAt)) {
    const uid = s.metadata?.uid || s.labels[podUidLabel];
    if (!uid) continue;
    podFor(uid, s.metadata?.name || s.labels[podNameLabel], s.metadata?.namespace || s.labels[podNamespaceLabel]).sandboxes.push({
      id: s.id,
      state: s.state === 'SANDBOX_READY' ? 'ready' : 'notready',
    });
  }
  for (const c of [...containers].sort((a, b) => b.createdAt - a.createdAt)) {
    const uid = c.labels[podUidLabel];
    if (!uid) continue;
    podFor(uid, c.labels[podNameLabel], c.labels[podNamespaceLabel]).containers.push({
      id: c.id,
      name: c.labels[containerNameLabel] || c.metadata?.name || '',
      state: containerStates[c.state] ?? 'unknown',
    });
  }
  return pods;
}

/** A relist function for GenericPLEG over what lists the runtime (the kubelet's runtime cache). */
export function criRelist(runtime: { list(): Promise<{ sandboxes: PodSandbox[]; containers: Container[] }> }): () => Promise<Map<string, RelistPod>> {
  return async () => {
    const { sandboxes, containers } = await runtime.list();
    return groupRelist(sandboxes, containers);
  };
}
