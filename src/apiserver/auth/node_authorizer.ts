// The Node authorizer: what a kubelet (user system:node:<name>, group system:nodes) may do.
// As upstream, reads of secrets, configmaps, persistent volume claims and volumes, and
// service-account tokens follow the graph pod → referenced object, for pods bound to that
// node; node leases are limited to the node's own; everything else follows system:node.
import type { Pod } from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import type { Attributes, Decision } from './authz.ts';
import { groups, type UserInfo } from './authn.ts';
import { nodeRules, rulesAllow } from './policy.ts';
import { podReferences } from './pod_references.ts';

/** What the graph reads of a PersistentVolumeClaim (Berth serves none; the graph supports them). */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: { volumeName?: string };
}

export interface NodeGraph {
  /** Pods with spec.nodeName == nodeName. */
  podsOnNode(nodeName: string): Pod[];
  /** For persistentvolumes: the claim a pod uses, to follow pvc → pv. Without it PVs are not readable. */
  persistentVolumeClaim?(namespace: string, name: string): PersistentVolumeClaim | undefined;
}

export const nodeUserPrefix = 'system:node:';
export const nodeLeaseNamespace = 'kube-node-lease';

/** As upstream's NodeIdentifier: isNode when in system:nodes; the name comes from the user name. */
export function nodeIdentity(user: UserInfo): { isNode: boolean; nodeName: string } {
  if (!user.groups.includes(groups.nodes)) return { isNode: false, nodeName: '' };
  const nodeName = user.name.startsWith(nodeUserPrefix) ? user.name.slice(nodeUserPrefix.length) : '';
  return { isNode: true, nodeName };
}

const allow: Decision = { allowed: true, reason: '' };
const noOpinion = (reason: string): Decision => ({ allowed: false, reason });

type Kind = 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount';

/** Whether a pod bound to the node references the object (the graph's path to the node). */
function hasPath(graph: NodeGraph, nodeName: string, kind: Kind, namespace: string, name: string): boolean {
  const pods = graph.podsOnNode(nodeName).filter((p) => p.spec?.nodeName === nodeName);
  if (kind === 'pv') {
    return pods.some((pod) =>
      [...podReferences(pod).persistentVolumeClaims].some((claim) => graph.persistentVolumeClaim?.(pod.metadata.namespace ?? '', claim)?.spec?.volumeName === name),
    );
  }
  return pods.some((pod) => {
    if (pod.metadata.namespace !== namespace) return false;
    const refs = podReferences(pod);
    switch (kind) {
      case 'secret':
        return refs.secrets.has(name);
      case 'configmap':
        return refs.configMaps.has(name);
      case 'pvc':
        return refs.persistentVolumeClaims.has(name);
      case 'serviceaccount':
        // ServiceAccount admission sets "default" when a pod names none.
        return (refs.serviceAccount || 'default') === name;
    }
  });
}

function byGraph(graph: NodeGraph, nodeName: string, kind: Kind, a: Attributes): Decision {
  if (!a.name) return noOpinion('No Object name found');
  return hasPath(graph, nodeName, kind, a.namespace, a.name) ? allow : noOpinion(`no relationship found between node '${nodeName}' and this object`);
}

function readNamespaced(graph: NodeGraph, nodeName: string, kind: Kind, a: Attributes): Decision {
  if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
  if (a.subresource) return noOpinion('cannot read subresource');
  if (!a.namespace) return noOpinion('can only read namespaced object of this type');
  return byGraph(graph, nodeName, kind, a);
}

function getOnly(graph: NodeGraph, nodeName: string, kind: Kind, a: Attributes): Decision {
  if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
  if (a.subresource) return noOpinion('cannot get subresource');
  return byGraph(graph, nodeName, kind, a);
}

function pvcStatus(graph: NodeGraph, nodeName: string, a: Attributes): Decision {
  if (!['get', 'update', 'patch'].includes(a.verb)) return noOpinion('can only get, update or patch persistentvolumeclaim status');
  return byGraph(graph, nodeName, 'pvc', a);
}

function createToken(graph: NodeGraph, nodeName: string, a: Attributes): Decision {
  if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
  return byGraph(graph, nodeName, 'serviceaccount', a);
}

function lease(nodeName: string, a: Attributes): Decision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== nodeLeaseNamespace) return noOpinion(`can only access leases in the "${nodeLeaseNamespace}" system namespace`);
  // A create carries no name in its attributes; NodeRestriction checks the object's name.
  if (a.verb !== 'create' && a.name !== nodeName) return noOpinion('can only access node lease with the same name as the requesting node');
  return allow;
}

/** The decision for a request from a node; a non-allowed result is "no opinion" with a reason. */
export function authorizeNode(graph: NodeGraph, user: UserInfo, a: Attributes): Decision {
  const { nodeName } = nodeIdentity(user);
  if (!nodeName) return noOpinion(`unknown node for user "${user.name}"`);
  if (a.isResourceRequest) {
    if (a.apiGroup === '') {
      switch (a.resource) {
        case 'secrets':
          return readNamespaced(graph, nodeName, 'secret', a);
        case 'configmaps':
          return readNamespaced(graph, nodeName, 'configmap', a);
        case 'persistentvolumeclaims':
          return a.subresource === 'status' ? pvcStatus(graph, nodeName, a) : getOnly(graph, nodeName, 'pvc', a);
        case 'persistentvolumes':
          return getOnly(graph, nodeName, 'pv', a);
        case 'serviceaccounts':
          return createToken(graph, nodeName, a);
      }
    }
    if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return lease(nodeName, a);
  }
  return rulesAllow(a, nodeRules) ? allow : noOpinion('');
}
