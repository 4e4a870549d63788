// The Node's status as the kubelet writes it: core/v1's NodeStatus (src/api/core) with every
// field the kubelet reports set.
import type { NodeStatus as ApiNodeStatus } from '../../api/core/index.ts';

export type NodeStatus = ApiNodeStatus & Required<Pick<ApiNodeStatus, 'capacity' | 'allocatable' | 'conditions' | 'addresses' | 'daemonEndpoints' | 'nodeInfo' | 'images'>>;

/** The kubelet version the node reports; matches the API server's /version. */
export const kubeletVersion = 'v1.32.0-berth';

/** A node-status event the status builder asks the kubelet to record ("Node n1 status is now: NodeReady"). */
export interface NodeStatusEvent {
  type: 'Normal' | 'Warning';
  reason: string;
}
