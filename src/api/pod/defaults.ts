// Pod defaulting as upstream's v1 SetDefaults_* for pods, containers, probes, volumes and
// ports, so a stored pod reads back exactly as from a real API server. Mutates in place.
// The API server defaults what it stores; the kubelet, the static pods it reads from files.
import type { Container, EnvVar, GRPCAction, HTTPGetAction, Pod, Probe, Volume } from '../core/index.ts';

/** The tag of an image reference: "latest" when neither tag nor digest is given, "" with a digest (or no image). */
export function imageTag(image: string): string {
  if (image === '' || image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  const colon = tail.lastIndexOf(':');
  return colon >= 0 ? tail.slice(colon + 1) : 'latest';
}

/** Always for ":latest" (or no tag), IfNotPresent otherwise. */
export function defaultImagePullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  return imageTag(typeof image === 'string' ? image : '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  h.path ??= '/';
  h.scheme ??= 'HTTP';
}

/** A probe's or lifecycle hook's action. */
function defaultHandler(h: { httpGet?: HTTPGetAction; grpc?: GRPCAction } | undefined): void {
  if (!h) return;
  defaultHTTPGet(h.httpGet);
  if (h.grpc) h.grpc.service ??= '';
}

export function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultEnv(env: EnvVar[] | undefined): void {
  for (const e of env ?? []) {
    if (e?.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
}

export function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c || typeof c !== 'object') return;
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultImagePullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  for (const p of c.ports ?? []) {
    if (!p) continue;
    p.protocol ??= 'TCP';
    if (hostNetwork && p.hostPort === undefined && p.containerPort !== undefined) p.hostPort = p.containerPort;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
  defaultEnv(c.env);
  const resources = (c.resources ??= {});
  // A limit without a request means the request equals the limit.
  const limits = resources.limits;
  if (limits && typeof limits === 'object') {
    for (const [name, value] of Object.entries(limits)) {
      const requests = (resources.requests ??= {});
      if (requests[name] === undefined) requests[name] = value;
    }
  }
}

const defaultMode = 0o644;

export function defaultVolume(v: Volume): void {
  if (!v || typeof v !== 'object') return;
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= defaultMode;
  if (v.configMap) v.configMap.defaultMode ??= defaultMode;
  if (v.downwardAPI) v.downwardAPI.defaultMode ??= defaultMode;
  if (v.projected) v.projected.defaultMode ??= defaultMode;
  if (v.hostPath) v.hostPath.type ??= '';
  for (const item of v.downwardAPI?.items ?? []) if (item?.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  for (const src of v.projected?.sources ?? []) {
    for (const item of src?.downwardAPI?.items ?? []) if (item?.fieldRef) item.fieldRef.apiVersion ??= 'v1';
    if (src?.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
  }
}

/** Upstream's SetDefaults for a pod's spec (not the admission plugins: see src/apiserver/admission). */
export function applyPodDefaults(pod: Pod): void {
  // No spec at all is invalid, and validation says so; defaulting goes on as for an empty one.
  const spec = (pod.spec ??= { containers: [] });
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  // The deprecated serviceAccount field mirrors serviceAccountName in v1.
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  else if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  const hostNetwork = spec.hostNetwork === true;
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    if (Array.isArray(list)) for (const c of list) defaultContainer(c, hostNetwork);
  }
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes) defaultVolume(v);
}
