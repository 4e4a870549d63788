// buildNodeStatus: everything the kubelet reports about its node, from observations (pure).
import type { Quantity } from '../../api/quantity.ts';
import type { EvictionThreshold } from '../options/values.ts';
import { computeAllocatable, computeCapacity, formatResources } from './allocatable.ts';
import { buildConditions } from './conditions.ts';
import { nodeImages, type RuntimeImage } from './images.ts';
import type { MachineInfo, Observations } from './machine.ts';
import { nodePressure } from './pressure.ts';
import type { NodeAddress } from '../../api/core/index.ts';
import { kubeletVersion, type NodeStatus, type NodeStatusEvent } from './types.ts';

export interface NodeStatusSettings {
  maxPods: number;
  kubeReserved: Record<string, Quantity>;
  systemReserved: Record<string, Quantity>;
  evictionHard: EvictionThreshold[];
  maxImages: number;
  kubeletPort: number;
}

export interface NodeStatusInputs {
  now: Date;
  /** The status as the API server has it (conditions keep their transition times). */
  previous?: Partial<NodeStatus>;
  machine: MachineInfo;
  observations: Observations;
  settings: NodeStatusSettings;
  /** "containerd://1.6.20", or undefined while the runtime has not answered Version. */
  containerRuntimeVersion?: string;
  /** Why the node is not ready; empty when it is. */
  notReadyErrors: string[];
  /** The runtime's images, or undefined when they could not be listed (the previous list is kept). */
  images?: RuntimeImage[];
  addresses: NodeAddress[];
}

export function buildNodeStatus(inputs: NodeStatusInputs): { status: NodeStatus; events: NodeStatusEvent[] } {
  const { machine, settings, previous } = inputs;
  const capacity = computeCapacity(machine, inputs.observations.nodefs?.capacityBytes, settings.maxPods);
  const allocatable = computeAllocatable(capacity, settings.kubeReserved, settings.systemReserved, settings.evictionHard);
  const pressure = nodePressure(settings.evictionHard, inputs.observations, machine.memoryCapacityBytes);
  const { conditions, events } = buildConditions(previous?.conditions, { now: inputs.now, pressure, notReadyErrors: inputs.notReadyErrors });
  const status: NodeStatus = {
    ...(previous ?? {}),
    capacity: formatResources(capacity),
    allocatable: formatResources(allocatable),
    conditions,
    addresses: inputs.addresses.map((a) => ({ ...a })),
    daemonEndpoints: { kubeletEndpoint: { Port: settings.kubeletPort } },
    nodeInfo: {
      machineID: machine.machineID,
      systemUUID: machine.systemUUID,
      bootID: machine.bootID,
      kernelVersion: machine.kernelVersion,
      osImage: machine.osImage,
      containerRuntimeVersion: inputs.containerRuntimeVersion ?? previous?.nodeInfo?.containerRuntimeVersion ?? '',
      kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: machine.operatingSystem,
      architecture: machine.architecture,
    },
    images: inputs.images ? nodeImages(inputs.images, settings.maxImages) : (previous?.images ?? []),
  };
  return { status, events };
}
