// Building the kubelet (as Virtual Kubelet's nodeutil sits apart from node/): each part is
// constructed with its dependencies and nothing starts until run(). The loops live in their
// own folders (syncloop/, pleg/, status/, nodestatus/...).
export { newNodeAgent } from './node.ts';
export { newPodManagement, newProbeResultsChannel } from './pods.ts';
export { newPodSources } from './sources.ts';
export { startServers } from './servers.ts';
