// The runtime's view of pods, read through CRI: one pod's sandboxes and containers (as
// upstream's GetPodStatus) and every pod the runtime holds, grouped by UID (for adoption and
// orphan cleanup after a kubelet restart).
import { isNotFound, type CriClient, type Container, type ContainerStatus, type PodSandbox, type PodSandboxStatus } from '../runtime/cri/client.ts';
import type { RuntimeContainerStatus, RuntimePodStatus, RuntimeSandboxStatus, ContainerStateName } from '../container/types.ts';
import { LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, readContainerInfo } from './labels.ts';
import { terminationMessage } from './termination.ts';

const nsToDate = (ns: number) => new Date(Math.floor(ns / 1_000_000));

function stateName(s: string): ContainerStateName {
  switch (s) {
    case 'CONTAINER_CREATED': return 'created';
    case 'CONTAINER_RUNNING': return 'running';
    case 'CONTAINER_EXITED': return 'exited';
    default: return 'unknown';
  }
}

export function toSandboxStatus(s: PodSandboxStatus): RuntimeSandboxStatus {
  return {
    id: s.id,
    state: s.state === 'SANDBOX_READY' ? 'ready' : 'notready',
    createdAt: nsToDate(s.createdAt),
    attempt: s.metadata?.attempt ?? 0,
    ip: s.network?.ip || undefined,
    additionalIps: (s.network?.additionalIps ?? []).map((a) => a.ip).filter(Boolean),
    hostNetwork: s.linux?.namespaces?.options?.network === 'NODE',
  };
}

export async function toContainerStatus(s: ContainerStatus, readMessages = true): Promise<RuntimeContainerStatus> {
  const info = readContainerInfo(s.labels, s.annotations);
  const state = stateName(s.state);
  const out: RuntimeContainerStatus = {
    id: { type: 'containerd', id: s.id },
    name: s.metadata?.name || info.containerName,
    state,
    createdAt: nsToDate(s.createdAt),
    image: s.image?.userSpecifiedImage || s.image?.image || '',
    imageRef: s.imageRef,
    imageId: s.imageId || undefined,
    hash: info.hash,
    restartCount: info.restartCount,
    logPath: s.logPath || undefined,
  };
  if (s.startedAt > 0) out.startedAt = nsToDate(s.startedAt);
  if (state === 'exited') {
    out.finishedAt = nsToDate(s.finishedAt);
    out.exitCode = s.exitCode;
    out.reason = s.reason || (s.exitCode === 0 ? 'Completed' : 'Error');
    const file = s.mounts.find((m) => m.containerPath === info.terminationMessagePath)?.hostPath;
    out.message = readMessages
      ? await terminationMessage({
        policy: info.terminationMessagePolicy, exitCode: s.exitCode, messageFile: file, logPath: s.logPath, runtimeMessage: s.message,
      })
      : s.message || undefined;
    if (out.message === '') delete out.message;
  } else if (s.message) {
    out.message = s.message;
  }
  return out;
}

/** The pod's sandboxes (newest first) and containers (newest first) as the runtime reports them. */
export async function getPodStatus(
  cri: CriClient, uid: string, name: string, namespace: string,
  opts: { signal?: AbortSignal; now?: () => Date } = {},
): Promise<RuntimePodStatus> {
  const { signal } = opts;
  const selector = { labelSelector: { [LABEL_POD_UID]: uid } };
  const [sandboxes, containers] = await Promise.all([
    cri.listPodSandbox(selector, { signal }),
    cri.listContainers(selector, { signal }),
  ]);
  sandboxes.sort((a, b) => b.createdAt - a.createdAt);
  const sbStatuses: RuntimeSandboxStatus[] = [];
  for (const sb of sandboxes) {
    try {
      const st = (await cri.podSandboxStatus(sb.id, false, { signal })).status;
      if (st) sbStatuses.push(toSandboxStatus(st));
    } catch (err) {
      if (!isNotFound(err)) throw err; // removed between list and status
    }
  }
  const ctrStatuses = (await Promise.all(containers.map(async (c) => {
    try {
      const st = (await cri.containerStatus(c.id, false, { signal })).status;
      return st ? await toContainerStatus(st) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }))).filter((c): c is RuntimeContainerStatus => !!c);
  ctrStatuses.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const newest = sbStatuses[0];
  const ips = newest && newest.state === 'ready' && !newest.hostNetwork && newest.ip ? [newest.ip, ...newest.additionalIps] : [];
  return { uid, name, namespace, ips, sandboxes: sbStatuses, containers: ctrStatuses, timestamp: (opts.now ?? (() => new Date()))() };
}

/** Everything the runtime holds for one pod UID, straight from the list calls. */
export interface RunningPod {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: PodSandbox[];
  containers: Container[];
}

/** Every pod the runtime knows about (sandboxes and containers carrying our labels), by UID. */
export async function getRunningPods(cri: CriClient, signal?: AbortSignal): Promise<RunningPod[]> {
  const [sandboxes, containers] = await Promise.all([cri.listPodSandbox(undefined, { signal }), cri.listContainers(undefined, { signal })]);
  return runningPods(sandboxes, containers);
}

/** What the runtime listed, grouped by pod UID; the lists themselves are left as they are. Pure. */
export function runningPods(sandboxes: PodSandbox[], containers: Container[]): RunningPod[] {
  const pods = new Map<string, RunningPod>();
  const podOf = (labels: Record<string, string>) => {
    const uid = labels[LABEL_POD_UID];
    if (!uid) return undefined; // not ours
    let p = pods.get(uid);
    if (!p) {
      p = { uid, name: labels[LABEL_POD_NAME] ?? '', namespace: labels[LABEL_POD_NAMESPACE] ?? '', sandboxes: [], containers: [] };
      pods.set(uid, p);
    }
    return p;
  };
  for (const sb of sandboxes) podOf(sb.labels)?.sandboxes.push(sb);
  for (const c of containers) podOf(c.labels)?.containers.push(c);
  for (const p of pods.values()) {
    p.sandboxes.sort((a, b) => b.createdAt - a.createdAt);
    p.containers.sort((a, b) => b.createdAt - a.createdAt);
  }
  return [...pods.values()];
}
