// What both endpoint controllers ask of a Service and its Pods (upstream's endpointutil and
// podutil helpers): which pods a service selects, which of them belong in endpoints, the
// address of the service's IP family, the container port a service port resolves to, and
// whether the pod publishes a hostname for this service. Shared with ../endpointslice.
import type { Container, EndpointPort, IPFamily, Pod, Service, ServicePort } from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import { matchLabels, selectorFromSet } from '../../api/selectors/labels.ts';
import { isIPv4, isIPv6 } from '../../api/validation/names.ts';

export type { IPFamily };

/** Label set on Endpoints and EndpointSlices of headless services (v1.IsHeadlessService). */
export const headlessLabel = 'service.kubernetes.io/headless';
/** Annotation with the time of the pod or service change that caused an endpoints write. */
export const lastChangeTriggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';

/**
 * True when the endpoint controllers maintain endpoints for this service: it has a selector
 * and is not ExternalName. An empty selector counts as none, as it does upstream once the
 * object has been through storage (an empty map decodes as nil).
 */
export function managesEndpoints(service: Service): boolean {
  if (service.spec?.type === 'ExternalName') return false;
  const selector = service.spec?.selector;
  return !!selector && typeof selector === 'object' && Object.keys(selector).length > 0;
}

/** Pods of the service's namespace that its selector picks (none when it has no selector). */
export function selectedPods(service: Service, pods: readonly Pod[]): Pod[] {
  if (!managesEndpoints(service)) return [];
  const selector = selectorFromSet(service.spec?.selector);
  return pods.filter((p) => p.metadata.namespace === service.metadata.namespace && matchLabels(selector, p.metadata.labels));
}

/** No cluster IP allocated: the headless label applies (helper.IsServiceIPSet is false). */
export function isHeadless(service: Service): boolean {
  const ip = service.spec?.clusterIP;
  return !ip || ip === 'None';
}

/** The service's primary IP family: spec.ipFamilies[0], else from the cluster IP, else IPv4. */
export function serviceIPFamily(service: Service): IPFamily {
  const first = service.spec?.ipFamilies?.[0];
  if (first === 'IPv4' || first === 'IPv6') return first;
  const ip = service.spec?.clusterIP;
  return ip && ip !== 'None' && ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** podutil.IsPodReady: the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c?.type === 'Ready' && c?.status === 'True');
}

/** The Ready condition's lastTransitionTime: the pod's change trigger time. */
export function podReadyTransitionTime(pod: Pod): Date | undefined {
  const ready = (pod.status?.conditions ?? []).find((c) => c?.type === 'Ready');
  const t = ready?.lastTransitionTime ? new Date(ready.lastTransitionTime) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t : undefined;
}

function podIPs(pod: Pod): string[] {
  const listed = (pod.status?.podIPs ?? []).map((p) => p?.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  if (listed.length) return listed;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/**
 * ShouldPodBeInEndpoints: not Succeeded or Failed, has an IP, and (unless terminating pods are
 * included) not being deleted. Readiness is decided later.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The pod's IP of the given family, if it has one. */
export function podAddress(pod: Pod, family: IPFamily): string | undefined {
  const fits = family === 'IPv6' ? isIPv6 : isIPv4;
  return podIPs(pod).find((ip) => fits(ip));
}

/** ShouldSetHostname: the pod names itself (hostname) under this service (subdomain). */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace;
}

/** The reference to a pod every endpoint address carries. */
export function podReference(pod: Pod): { kind: 'Pod'; namespace: string; name: string; uid: string } {
  return { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

/** Containers whose ports serve: regular ones, and sidecars (init containers that restart always). */
function servingContainers(pod: Pod): Container[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c?.restartPolicy === 'Always');
  return [...(pod.spec?.containers ?? []), ...sidecars];
}

/**
 * podutil.FindPort: the pod port a service port's targetPort means. A number is taken as is
 * (an unset targetPort means the service port); a name must match a container port of the
 * same protocol, else undefined (the pod does not serve that port).
 */
export function findPort(pod: Pod, servicePort: ServicePort | undefined): number | undefined {
  const target = servicePort?.targetPort ?? servicePort?.port;
  if (typeof target === 'number') return target;
  if (typeof target !== 'string' || target === '') return undefined;
  const protocol = servicePort?.protocol ?? 'TCP';
  for (const c of servingContainers(pod)) {
    for (const p of c?.ports ?? []) {
      if (p?.name === target && (p?.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The endpoint port a service port becomes, given the pod's resolved number (EndpointPort). */
export function endpointPort(servicePort: ServicePort | undefined, port: number, keepEmptyName: boolean): EndpointPort {
  const name = servicePort?.name ?? '';
  const protocol = servicePort?.protocol ?? 'TCP';
  const out: EndpointPort = name || keepEmptyName ? { name, port, protocol } : { port, protocol };
  if (servicePort?.appProtocol) out.appProtocol = servicePort.appProtocol;
  return out;
}

/** "namespace/name", the work-queue key of a service and of its Endpoints. */
export function serviceKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}
