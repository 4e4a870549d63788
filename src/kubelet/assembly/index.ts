// Building the kubelet (as Virtual Kubelet's nodeutil sits apart from node/): each part is
// constructed with its dependencies and nothing starts until run(). The loops live in their
// own folders (syncloop/, pleg/, status/, nodestatus/...).
export { newNodeAgent, type NodeAgent, type NodeAgentDeps } from './node.ts';
export { newPodManagement, type PodManagement, type PodManagementDeps } from './pods.ts';
export { newPodSources, type PodSources, type PodSourcesDeps } from './sources.ts';
export { startServers, type Servers, type ServersDeps } from './servers.ts';
