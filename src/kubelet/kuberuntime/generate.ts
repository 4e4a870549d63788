// generateContainerConfig, as upstream's: everything a container needs before CreateContainer is
// called (its environment, its mounts with their subPath binds and termination-log file, its log
// directory) and the ContainerConfig built from them. Any failure here is the
// container's CreateContainerConfigError; only the runtime's CreateContainer is CreateContainerError.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Pod } from '../../api/core/index.ts';
import type { ContainerConfig, In, PodSandboxConfig } from '../runtime/cri/types.ts';
import type { ContainerToStart } from './actions.ts';
import { containerConfig, containerLogPath } from './container_config.ts';
import { podRef, type RuntimeManagerDeps } from './deps.ts';
import { expandCommand, makeEnvironment } from './env.ts';

export const mkdirp = async (p: string) => { await mkdir(p, { recursive: true }); };

export async function generateContainerConfig(
  deps: RuntimeManagerDeps, pod: Pod, s: ContainerToStart, imageRef: string, sandboxConfig: In<PodSandboxConfig>, podIPs: string[],
): Promise<In<ContainerConfig>> {
  const c = s.container;
  const env = await makeEnvironment(pod, c, deps.envSources, {
    podIPs,
    // Read now, as upstream's getHostIPsAnyWay: the node's addresses may have changed since start.
    hostIPs: deps.hostIPs?.() ?? [],
    nodeName: deps.nodeName,
    nodeAllocatable: deps.nodeAllocatable(),
    serviceEnv: deps.serviceEnv?.(pod),
    warn: (reason, message) => deps.recorder.event(podRef(pod), 'Warning', reason, message),
  });
  const { command, args } = expandCommand(c, env);
  const mounts = await deps.mounts?.(pod, c, podIPs, new Map(env.map((e) => [e.name, e.value]))) ?? [];
  await (deps.mkdir ?? mkdirp)(`${sandboxConfig.logDirectory}/${dirname(containerLogPath(c.name, s.restartCount))}`);
  return containerConfig(pod, c, {
    restartCount: s.restartCount, imageRef, env, command, args, mounts, memoryCapacityBytes: deps.memoryCapacityBytes, targetId: s.target?.id,
  });
}
