// discovery.k8s.io/v1 EndpointSlice as plain JSON. Upstream's discovery/v1 EndpointPort is
// EndpointSlicePort here, to stand apart from core/v1's EndpointPort.
import type { KubeObject, ObjectMeta } from '../object.ts';
import type { ObjectReference, Protocol } from './common.ts';

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface EndpointHints {
  forZones?: { name: string }[];
  forNodes?: { name: string }[];
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: EndpointHints;
}

export interface EndpointSlicePort {
  name?: string;
  protocol?: Protocol;
  /** Absent: every port (upstream's nil). */
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  metadata: ObjectMeta;
  addressType: AddressType;
  endpoints?: Endpoint[];
  ports?: EndpointSlicePort[];
}
