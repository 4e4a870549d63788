// Small builders of Services and Pods for the endpoint controllers' tests.
import type { ContainerPort, Pod, PodPhase, Service, ServiceSpec } from '../../../src/api/core/index.ts';

export interface PodOptions {
  ip?: string;
  ready?: boolean;
  labels?: Record<string, string>;
  namespace?: string;
  node?: string;
  terminating?: boolean;
  phase?: PodPhase;
  ports?: ContainerPort[];
  hostname?: string;
  subdomain?: string;
  readySince?: string;
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const status = {
    phase: o.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2024-01-01T00:00:00Z' } as const],
    ...(o.ip !== '' ? { podIP: o.ip ?? '10.0.0.1', podIPs: [{ ip: o.ip ?? '10.0.0.1' }] } : {}),
  };
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' } },
    spec: { nodeName: o.node ?? 'node-1', containers: [{ name: 'c', image: 'busybox', ports: o.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status,
  };
  if (o.terminating) p.metadata.deletionTimestamp = '2024-01-01T00:01:00Z';
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  return p;
}

export function service(name: string, spec: ServiceSpec = {}, labels?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `svc-uid-${name}`, creationTimestamp: '2024-01-01T00:00:00Z', ...(labels ? { labels } : {}) },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  };
}
