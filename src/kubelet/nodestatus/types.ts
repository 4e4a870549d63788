// The JSON shapes of the Node's status as the kubelet writes them (plain objects, RFC 3339 times).

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

export interface ContainerImage {
  names: string[];
  sizeBytes: number;
}

export interface NodeStatus {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  conditions: NodeCondition[];
  addresses: NodeAddress[];
  daemonEndpoints: { kubeletEndpoint: { Port: number } };
  nodeInfo: NodeSystemInfo;
  images: ContainerImage[];
  [field: string]: unknown;
}

/** The kubelet version the node reports; matches the API server's /version. */
export const kubeletVersion = 'v1.32.0-berth';

/** A node-status event the status builder asks the kubelet to record ("Node n1 status is now: NodeReady"). */
export interface NodeStatusEvent {
  type: 'Normal' | 'Warning';
  reason: string;
}
