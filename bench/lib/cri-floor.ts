// The floor for pod startup: sandbox + container pairs started straight through CRI, all at once,
// each timed from RunPodSandbox's call until StartContainer returns; then removed.
//
// "The same sandbox + container": capturePods copies the configs the kubelet itself gave containerd
// (from containerd's verbose status: cgroup parent, DNS, labels, mounts of /etc/hosts, the
// termination log and the service-account token) under new UIDs, with copies of the mounted files,
// so the floor pays the runtime's whole cost for those pods and only the kubelet's own work is left
// out. bareFloorPods is the minimal pair (no mounts, containerd's default cgroup), for reference.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CriClient, In, PodSandboxConfig, ContainerConfig } from '../../src/kubelet/runtime/cri/client.ts';
import { createCgroupfs } from '../../src/kubelet/cm/index.ts';
import { startCpuMeter, type Grouper } from './proc.ts';

/** One pod for the floor: its sandbox config and its containers' configs, in start order. */
export interface FloorPod { sandbox: In<PodSandboxConfig>; containers: In<ContainerConfig>[] }

/** CRI map fields: their keys are data, not field names. */
const MAP_FIELDS = new Set(['labels', 'annotations', 'sysctls', 'unified']);

/**
 * containerd's verbose status holds the CRI config as Go's encoding/json writes it (snake_case
 * keys, enums as numbers); the client takes camelCase keys and accepts enum numbers. Pure.
 */
export function fromRuntimeJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromRuntimeJson);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [
    k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
    MAP_FIELDS.has(k) ? x : fromRuntimeJson(x),
  ]));
}

function verboseConfig(info: Record<string, string>): unknown {
  const config = JSON.parse(info.info ?? '{}').config;
  if (!config) throw new Error('the runtime gave no config in its verbose status');
  return fromRuntimeJson(config);
}

/**
 * The kubelet's pods (by UID) as floor pods under fresh UIDs: the configs with every mention of
 * the UID replaced, and the pod's directory under the kubelet's root (mount sources) copied to
 * the new UID's. Call while the kubelet's pods still run (their volumes are still mounted).
 */
export async function capturePods(cri: CriClient, uids: Set<string>, kubeletRootDir: string): Promise<FloorPod[]> {
  const containers = await cri.listContainers();
  const out: FloorPod[] = [];
  for (const sb of await cri.listPodSandbox()) {
    const uid = sb.labels['io.kubernetes.pod.uid'];
    if (!uids.has(uid)) continue;
    const floorUid = randomUUID();
    const renamed = <T>(config: unknown) => JSON.parse(JSON.stringify(config).replaceAll(uid, floorUid)) as T;
    const sandbox = renamed<In<PodSandboxConfig>>(verboseConfig((await cri.podSandboxStatus(sb.id, true)).info));
    const mine = containers.filter((c) => c.podSandboxId === sb.id).sort((a, b) => a.createdAt - b.createdAt);
    const configs = await Promise.all(mine.map(async (c) => renamed<In<ContainerConfig>>(verboseConfig((await cri.containerStatus(c.id, true)).info))));
    cpSync(join(kubeletRootDir, 'pods', uid), join(kubeletRootDir, 'pods', floorUid), { recursive: true, verbatimSymlinks: true });
    out.push({ sandbox, containers: configs });
  }
  return out;
}

/** Removes what capturePods copied and the pod cgroups runc made for the floor's sandboxes. */
export async function removeCapturedPods(pods: FloorPod[], kubeletRootDir: string): Promise<void> {
  const cgroups = createCgroupfs();
  for (const p of pods) {
    rmSync(join(kubeletRootDir, 'pods', p.sandbox.metadata!.uid!), { recursive: true, force: true });
    const parent = p.sandbox.linux?.cgroupParent;
    if (parent) await cgroups.remove(parent).catch(() => {});
  }
}

export type CpuReport = ReturnType<ReturnType<typeof startCpuMeter>>;

/** Minimal pairs: a sandbox in its own namespaces and one container, nothing mounted. */
export function bareFloorPods(logRoot: string, pods: number, image: string, command: string[]): FloorPod[] {
  return Array.from({ length: pods }, (_, i) => ({ sandbox: floorSandbox(logRoot, i), containers: [floorContainer(image, command)] }));
}

function floorSandbox(logRoot: string, i: number): In<PodSandboxConfig> {
  const name = `floor-${i}`;
  const uid = `floor-${process.pid}-${i}`;
  const logDirectory = join(logRoot, `bench-floor_${name}_${uid}`);
  return {
    metadata: { name, uid, namespace: 'bench-floor', attempt: 0 },
    hostname: name,
    logDirectory,
    labels: { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'bench-floor', 'io.kubernetes.pod.uid': uid },
    linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

function floorContainer(image: string, command: string[]): In<ContainerConfig> {
  return {
    metadata: { name: 'main', attempt: 0 },
    image: { image },
    command,
    logPath: 'main/0.log',
    linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

export interface FloorPhase { latencies: number[]; toSandbox: number[]; toContainerStarted: number[]; cleanupMs: number; cpu: CpuReport }

/** Starts every pod at once (containers of a pod one after another) and removes them again. */
export async function runFloor(cri: CriClient, pods: FloorPod[], o: { groups: Grouper }): Promise<FloorPhase> {
  for (const p of pods) for (const c of p.containers) mkdirSync(join(p.sandbox.logDirectory!, c.logPath!, '..'), { recursive: true });
  const sandboxes: string[] = [];
  const started: { podId: string; ctrId: string; wall: number }[] = [];
  const meter = startCpuMeter(o.groups);
  const latencies = await Promise.all(
    pods.map(async (p) => {
      const t0 = performance.now();
      const wall = Date.now();
      const podId = await cri.runPodSandbox(p.sandbox);
      sandboxes.push(podId);
      let ctrId = '';
      for (const c of p.containers) {
        ctrId = await cri.createContainer(podId, c, p.sandbox);
        await cri.startContainer(ctrId);
      }
      const ms = performance.now() - t0;
      started.push({ podId, ctrId, wall });
      return ms;
    }),
  );
  const cpu = meter();
  // The same containerd timestamps as for the kubelet's pods, so the two can be compared stage by stage.
  const toSandbox: number[] = [];
  const toContainerStarted: number[] = [];
  for (const s of started) {
    const sb = (await cri.podSandboxStatus(s.podId)).status;
    if (sb) toSandbox.push(sb.createdAt / 1e6 - s.wall);
    const c = (await cri.containerStatus(s.ctrId)).status;
    if (c?.startedAt) toContainerStarted.push(c.startedAt / 1e6 - s.wall);
  }
  const cleanStart = performance.now();
  await Promise.all(sandboxes.map(async (id) => {
    await cri.stopPodSandbox(id);
    await cri.removePodSandbox(id);
  }));
  return { latencies, toSandbox, toContainerStarted, cleanupMs: performance.now() - cleanStart, cpu };
}
