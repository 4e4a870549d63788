// NodeRestriction admission: narrows what the Node authorizer lets a kubelet write to its
// own objects — its Node (without self-assigned privileged labels or taint changes), its
// Lease, mirror pods bound to it, status of its pods, deletion of its pods, and tokens for
// its pods. Pure: the old object comes from the caller, lookups are optional dependencies.
import type { Node, Pod } from '../../api/core/index.ts';
import { errors, type StatusError } from '../../api/errors.ts';
import { arrayOf, recordOf } from '../../api/json.ts';
import type { KubeObject } from '../../api/object.ts';
import { isMirrorPod, ConfigMirrorAnnotation } from '../../api/pod/index.ts';
import type { Attributes } from './authz.ts';
import type { UserInfo } from './authn.ts';
import { nodeIdentity, nodeLeaseNamespace } from './node_authorizer.ts';
import { podReferences } from './pod_references.ts';

export interface NodeRestrictionDeps {
  /** For pods/eviction and serviceaccounts/token: the pod named by the request. */
  getPod?(namespace: string, name: string): Pod | undefined;
  /** For mirror pods' owner references: the node's current UID. */
  getNode?(name: string): Node | undefined;
}

/**
 * The spec of a request's object or of the stored one, whatever the resource, read as JSON:
 * a body here has not been validated yet, so each value read is guarded.
 */
function specOf(obj: KubeObject | undefined): Record<string, unknown> {
  return recordOf(obj && 'spec' in obj ? obj.spec : undefined);
}

type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

function operationOf(verb: string): Operation {
  if (verb === 'create') return 'CREATE';
  if (verb === 'update' || verb === 'patch') return 'UPDATE';
  if (verb === 'delete' || verb === 'deletecollection') return 'DELETE';
  return 'CONNECT';
}

/** Labels a kubelet may set on its own Node (upstream's kubeletapis.IsKubeletLabel). */
const kubeletLabels = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
]);
const kubeletLabelNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);
const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');

/** The labels among `keys` a node may not set: node-restriction.* always, other kubernetes.io/k8s.io ones unless kubelet-owned. */
export function forbiddenNodeLabels(keys: Iterable<string>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const ns = labelNamespace(key);
    if (inNamespace(ns, 'node-restriction.kubernetes.io')) out.push(key);
    else if ((inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io')) && !kubeletLabels.has(key) && !kubeletLabelNamespaces.some((d) => inNamespace(ns, d))) out.push(key);
  }
  return out.sort();
}

function modifiedLabels(next: Record<string, string> = {}, prev: Record<string, string> = {}): string[] {
  const keys = new Set([...Object.keys(next), ...Object.keys(prev)]);
  return [...keys].filter((k) => next[k] !== prev[k]);
}

const sameJson = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

/** Checks a request from a node; undefined when it may proceed (or when the user is not a node). */
export function admitNodeRequest(user: UserInfo, a: Attributes, obj?: KubeObject, old?: KubeObject, deps: NodeRestrictionDeps = {}): StatusError | undefined {
  const { isNode, nodeName } = nodeIdentity(user);
  if (!isNode || !a.isResourceRequest) return undefined;
  const forbid = (why: string) => errors.forbidden({ group: a.apiGroup, resource: a.resource }, obj?.metadata?.name || a.name, why);
  if (!nodeName) return forbid(`could not determine node from user "${user.name}"`);
  const op = operationOf(a.verb);

  if (a.apiGroup === '' && a.resource === 'pods') return admitPod(nodeName, a, op, obj, old, deps, forbid);
  if (a.apiGroup === '' && a.resource === 'nodes') return admitNode(nodeName, a, op, obj, old, forbid);
  if (a.apiGroup === '' && a.resource === 'serviceaccounts' && a.subresource === 'token') return admitToken(nodeName, a.namespace, op, obj, deps, forbid);
  if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') {
    if (a.namespace !== nodeLeaseNamespace) return forbid(`can only access leases in the "${nodeLeaseNamespace}" system namespace`);
    const leaseName = op === 'CREATE' ? obj?.metadata?.name : a.name;
    if (leaseName !== nodeName) return forbid('can only access node lease with the same name as the requesting node');
  }
  return undefined;
}

type Forbid = (why: string) => StatusError;

function admitPod(nodeName: string, a: Attributes, op: Operation, obj: KubeObject | undefined, old: KubeObject | undefined, deps: NodeRestrictionDeps, forbid: Forbid): StatusError | undefined {
  switch (a.subresource) {
    case '':
      if (op === 'CREATE') return admitMirrorPodCreate(nodeName, obj, deps, forbid);
      if (op === 'DELETE') {
        if (specOf(old).nodeName !== nodeName) return forbid(`node "${nodeName}" can only delete pods with spec.nodeName set to itself`);
        return undefined;
      }
      return forbid(`unexpected operation "${op}", node "${nodeName}" can only create and delete mirror pods`);
    case 'status':
      if (op !== 'UPDATE') return forbid(`unexpected operation "${op}"`);
      if (specOf(old).nodeName !== nodeName) return forbid(`node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
      if (!sameJson(obj?.metadata?.labels, old?.metadata?.labels)) return forbid(`node "${nodeName}" cannot update labels through pod status`);
      return undefined;
    case 'eviction': {
      if (op !== 'CREATE') return forbid(`unexpected operation "${op}"`);
      const pod = deps.getPod?.(a.namespace, a.name);
      if (pod?.spec?.nodeName !== nodeName) return forbid(`node "${nodeName}" can only evict pods with spec.nodeName set to itself`);
      return undefined;
    }
    default:
      return forbid(`unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
  }
}

function admitMirrorPodCreate(nodeName: string, pod: KubeObject | undefined, deps: NodeRestrictionDeps, forbid: Forbid): StatusError | undefined {
  if (!pod) return forbid('expected a pod');
  if (!isMirrorPod(pod)) {
    return forbid(`pod does not have "${ConfigMirrorAnnotation}" annotation, node "${nodeName}" can only create mirror pods`);
  }
  const spec = specOf(pod);
  if (spec.nodeName !== nodeName) return forbid(`node "${nodeName}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) return forbid(`node "${nodeName}" can only create pods with a single owner reference set to itself`);
  if (owners.length === 1) {
    const owner = owners[0];
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) return forbid(`node "${nodeName}" can only create pods with an owner reference set to itself`);
    if (owner.controller !== true) return forbid(`node "${nodeName}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) return forbid(`node "${nodeName}" must not set blockOwnerDeletion on an owner reference`);
    const node = deps.getNode?.(nodeName);
    if (node && node.metadata.uid !== owner.uid) return forbid(`the UID in the owner reference (${owner.uid}) does not match the current UID of node "${nodeName}"`);
  }
  const refs = podReferences({ metadata: pod.metadata, spec });
  if (refs.serviceAccount) return forbid(`node "${nodeName}" can not create pods that reference a service account`);
  if (refs.secrets.size) return forbid(`node "${nodeName}" can not create pods that reference secrets`);
  if (refs.configMaps.size) return forbid(`node "${nodeName}" can not create pods that reference configmaps`);
  for (const v of arrayOf(spec.volumes).map(recordOf)) {
    if (v.persistentVolumeClaim) return forbid(`node "${nodeName}" can not create pods that reference persistentvolumeclaims`);
    if (v.ephemeral) return forbid(`node "${nodeName}" can not create pods that use generic ephemeral volumes`);
  }
  if (arrayOf(spec.resourceClaims).length) return forbid(`node "${nodeName}" can not create pods that reference resourceclaims`);
  return undefined;
}

function admitNode(nodeName: string, a: Attributes, op: Operation, obj: KubeObject | undefined, old: KubeObject | undefined, forbid: Forbid): StatusError | undefined {
  const requested = a.name || (op === 'CREATE' ? obj?.metadata?.name ?? '' : '');
  if (requested !== nodeName) return forbid(`node "${nodeName}" is not allowed to modify node "${requested}"`);
  if (op === 'CREATE') {
    const bad = forbiddenNodeLabels(Object.keys(obj?.metadata?.labels ?? {}));
    if (bad.length) return forbid(`node "${nodeName}" is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (op === 'UPDATE' && obj && old) {
    if (!sameJson(specOf(obj).taints, specOf(old).taints)) return forbid(`node "${nodeName}" is not allowed to modify taints`);
    const bad = forbiddenNodeLabels(modifiedLabels(obj.metadata.labels, old.metadata.labels));
    if (bad.length) return forbid(`is not allowed to modify labels: ${bad.join(', ')}`);
  }
  return undefined;
}

function admitToken(nodeName: string, namespace: string, op: Operation, req: KubeObject | undefined, deps: NodeRestrictionDeps, forbid: Forbid): StatusError | undefined {
  if (op !== 'CREATE') return forbid(`unexpected operation "${op}"`);
  const ref = recordOf(specOf(req).boundObjectRef);
  if (ref.kind !== 'Pod' || !ref.name) return forbid('node requested token not bound to a pod');
  const pod = deps.getPod?.(namespace, String(ref.name));
  if (!pod) return forbid('node requested token bound to a pod that could not be found');
  if (ref.uid && ref.uid !== pod.metadata.uid) {
    return forbid(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (pod.spec?.nodeName !== nodeName) return forbid('node requested token bound to a pod scheduled on a different node');
  return undefined;
}

/** admitNodeRequest with its lookups wired in, in the shape the HTTP layer's `admit` takes. */
export function createNodeRestriction(deps: NodeRestrictionDeps) {
  return (user: UserInfo, a: Attributes, obj?: KubeObject, old?: KubeObject) => admitNodeRequest(user, a, obj, old, deps);
}
