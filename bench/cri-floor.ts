// The floor for pod startup: sandbox + container pairs started straight through CRI, all at once,
// each timed from RunPodSandbox's call until StartContainer returns; then removed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CriClient, In, PodSandboxConfig, ContainerConfig } from '../src/kubelet/runtime/cri/client.ts';
import { startCpuMeter, type Grouper } from './proc.ts';

export type CpuReport = ReturnType<ReturnType<typeof startCpuMeter>>;

function floorSandbox(logRoot: string, i: number): In<PodSandboxConfig> {
  const name = `floor-${i}`;
  const uid = `floor-${process.pid}-${i}`;
  const logDirectory = join(logRoot, `bench-floor_${name}_${uid}`);
  mkdirSync(join(logDirectory, 'main'), { recursive: true });
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

export async function runFloor(cri: CriClient, o: { logRoot: string; pods: number; image: string; command: string[]; groups: Grouper }): Promise<FloorPhase> {
  const configs = Array.from({ length: o.pods }, (_, i) => floorSandbox(o.logRoot, i));
  const sandboxes: string[] = [];
  const started: { podId: string; ctrId: string; wall: number }[] = [];
  const meter = startCpuMeter(o.groups);
  const latencies = await Promise.all(
    configs.map(async (sb) => {
      const t0 = performance.now();
      const wall = Date.now();
      const podId = await cri.runPodSandbox(sb);
      sandboxes.push(podId);
      const ctrId = await cri.createContainer(podId, floorContainer(o.image, o.command), sb);
      await cri.startContainer(ctrId);
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
