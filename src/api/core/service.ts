// core/v1 Service as plain JSON (upstream's k8s.io/api/core/v1 ServiceSpec / ServiceStatus).
import type { KubeObject, ObjectMeta } from '../object.ts';
import type { Protocol } from './common.ts';
import type { IntOrString } from './pod.ts';

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type IPFamily = 'IPv4' | 'IPv6';

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  /** Defaults to port; a name refers to a container port by name. */
  targetPort?: IntOrString;
  nodePort?: number;
}

export interface SessionAffinityConfig { clientIP?: { timeoutSeconds?: number } }

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  externalIPs?: string[];
  externalName?: string;
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: SessionAffinityConfig;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  ipFamilies?: IPFamily[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  healthCheckNodePort?: number;
  allocateLoadBalancerNodePorts?: boolean;
  publishNotReadyAddresses?: boolean;
  loadBalancerIP?: string;
  loadBalancerClass?: string;
  loadBalancerSourceRanges?: string[];
  trafficDistribution?: string;
}

export interface LoadBalancerIngress { ip?: string; hostname?: string; ipMode?: string }
export interface LoadBalancerStatus { ingress?: LoadBalancerIngress[] }

export interface ServiceStatus {
  loadBalancer?: LoadBalancerStatus;
  conditions?: Record<string, unknown>[];
}

export interface Service extends KubeObject {
  metadata: ObjectMeta;
  spec?: ServiceSpec;
  status?: ServiceStatus;
}
