import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint } from '../../../src/api/core/index.ts';
import type { KubeObject, Unstructured } from '../../../src/api/object.ts';
import type { Attributes, UserInfo } from '../../../src/apiserver/auth/authz.ts';
import { admitNodeRequest, createNodeRestriction, forbiddenNodeLabels } from '../../../src/apiserver/auth/node_restriction.ts';

const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

function attrs(verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  const [res, sub = ''] = resource.split('/');
  return { user: n1, verb, isResourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource: res, subresource: sub, namespace: '', name: '', ...o };
}

function node(name: string, labels: Record<string, string> = {}, taints?: Taint[]): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels, uid: `uid-${name}` }, spec: taints ? { taints } : {} };
}

/** A mirror pod as the kubelet's request body carries it: client JSON, extras as given. */
function mirrorPod(extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Unstructured {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'static-n1', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'hash' }, ...meta },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], ...extra },
  };
}

const reason = (e: ReturnType<typeof admitNodeRequest>) => e?.message;

test('users who are not nodes are not restricted', () => {
  assert.equal(admitNodeRequest(bob, { ...attrs('update', 'nodes', { name: 'n2' }), user: bob }, node('n2'), node('n2')), undefined);
});

test('a node creates and modifies only its own Node', () => {
  assert.equal(admitNodeRequest(n1, attrs('create', 'nodes'), node('n1', { 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/exclude': 'x' })), undefined);
  const other = admitNodeRequest(n1, attrs('create', 'nodes'), node('n2'));
  assert.equal(other?.code, 403);
  assert.equal(other?.reason, 'Forbidden');
  assert.equal(reason(other), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(reason(admitNodeRequest(n1, attrs('patch', 'nodes/status', { name: 'n2' }), node('n2'), node('n2'))), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(admitNodeRequest(n1, attrs('patch', 'nodes/status', { name: 'n1' }), node('n1'), node('n1')), undefined);
});

test('a node may not give itself node-role or other restricted labels, nor change its taints', () => {
  const created = admitNodeRequest(n1, attrs('create', 'nodes'), node('n1', { 'node-role.kubernetes.io/control-plane': '', 'node-restriction.kubernetes.io/x': 'y' }));
  assert.equal(reason(created), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/x, node-role.kubernetes.io/control-plane');
  const updated = admitNodeRequest(n1, attrs('update', 'nodes', { name: 'n1' }), node('n1', { 'node-role.kubernetes.io/worker': '' }), node('n1'));
  assert.equal(reason(updated), 'nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/worker');
  // Removing one counts as modifying it.
  assert.ok(admitNodeRequest(n1, attrs('patch', 'nodes', { name: 'n1' }), node('n1'), node('n1', { 'node-role.kubernetes.io/worker': '' })));
  // Unchanged restricted labels and free-form labels are fine.
  assert.equal(admitNodeRequest(n1, attrs('patch', 'nodes', { name: 'n1' }), node('n1', { 'node-role.kubernetes.io/worker': '', team: 'a' }), node('n1', { 'node-role.kubernetes.io/worker': '' })), undefined);
  const tainted = admitNodeRequest(n1, attrs('patch', 'nodes', { name: 'n1' }), node('n1', {}, []), node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]));
  assert.equal(reason(tainted), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
});

test('forbiddenNodeLabels keeps kubelet-owned labels and refuses other kubernetes.io ones', () => {
  assert.deepEqual(
    forbiddenNodeLabels(['kubernetes.io/os', 'topology.kubernetes.io/zone', 'kubelet.kubernetes.io/x', 'a.node.kubernetes.io/y', 'example.com/z', 'plain', 'k8s.io/x', 'foo.kubernetes.io/bar']),
    ['foo.kubernetes.io/bar', 'k8s.io/x'],
  );
});

test('a node creates only mirror pods bound to itself', () => {
  const a = attrs('create', 'pods', { namespace: 'kube-system' });
  assert.equal(admitNodeRequest(n1, a, mirrorPod()), undefined);
  const owned = mirrorPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1', controller: true }] });
  assert.equal(admitNodeRequest(n1, a, owned), undefined);
  const plain = mirrorPod({}, { annotations: {} });
  assert.equal(reason(admitNodeRequest(n1, a, plain)), 'pods "static-n1" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  assert.equal(reason(admitNodeRequest(n1, a, mirrorPod({ nodeName: 'n2' }))), 'pods "static-n1" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
  const cases: [KubeObject, RegExp][] = [
    [mirrorPod({ serviceAccountName: 'default' }), /can not create pods that reference a service account/],
    [mirrorPod({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }), /can not create pods that reference secrets/],
    [mirrorPod({ containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }] }] }), /reference secrets/],
    [mirrorPod({ imagePullSecrets: [{ name: 's' }] }), /reference secrets/],
    [mirrorPod({ volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'c' } }] } }] }), /reference configmaps/],
    [mirrorPod({ volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] }), /reference persistentvolumeclaims/],
    [mirrorPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n2', uid: 'x', controller: true }] }), /owner reference set to itself/],
    [mirrorPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'x' }] }), /controller owner reference/],
    [mirrorPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'x', controller: true, blockOwnerDeletion: true }] }), /must not set blockOwnerDeletion/],
  ];
  for (const [pod, re] of cases) {
    const err = admitNodeRequest(n1, a, pod);
    assert.equal(err?.code, 403, String(re));
    assert.match(err!.message, re);
  }
  const withNode = createNodeRestriction({ getNode: (name) => node(name) });
  const staleOwner = mirrorPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'old', controller: true }] });
  assert.match(reason(withNode(n1, a, staleOwner))!, /the UID in the owner reference \(old\) does not match the current UID of node "n1"/);
  assert.equal(withNode(n1, a, owned), undefined);
});

test('a node updates status and deletes only pods bound to itself', () => {
  const mine = mirrorPod();
  const theirs = mirrorPod({ nodeName: 'n2' });
  const status = attrs('patch', 'pods/status', { namespace: 'kube-system', name: 'static-n1' });
  assert.equal(admitNodeRequest(n1, status, mine, mine), undefined);
  assert.match(reason(admitNodeRequest(n1, status, theirs, theirs))!, /node "n1" can only update pod status for pods with spec.nodeName set to itself/);
  const relabeled = { ...mine, metadata: { ...mine.metadata, labels: { a: 'b' } } };
  assert.match(reason(admitNodeRequest(n1, status, relabeled, mine))!, /cannot update labels through pod status/);
  const del = attrs('delete', 'pods', { namespace: 'kube-system', name: 'static-n1' });
  assert.equal(admitNodeRequest(n1, del, undefined, mine), undefined);
  assert.match(reason(admitNodeRequest(n1, del, undefined, theirs))!, /node "n1" can only delete pods with spec.nodeName set to itself/);
  assert.match(reason(admitNodeRequest(n1, attrs('update', 'pods', { namespace: 'kube-system', name: 'static-n1' }), mine, mine))!, /unexpected operation "UPDATE"/);
  assert.match(reason(admitNodeRequest(n1, attrs('create', 'pods/binding', { name: 'x' }), mine))!, /unexpected pod subresource "binding"/);
});

test('a node may touch only its own Lease in kube-node-lease', () => {
  const lease = (name: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' } });
  const a = (verb: string, name: string, namespace = 'kube-node-lease') => attrs(verb, 'leases', { apiGroup: 'coordination.k8s.io', namespace, name });
  assert.equal(admitNodeRequest(n1, a('create', ''), lease('n1')), undefined);
  assert.equal(admitNodeRequest(n1, a('update', 'n1'), lease('n1'), lease('n1')), undefined);
  assert.equal(reason(admitNodeRequest(n1, a('create', ''), lease('n2'))), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
  assert.ok(admitNodeRequest(n1, a('update', 'n2'), lease('n2'), lease('n2')));
  assert.match(reason(admitNodeRequest(n1, a('create', '', 'default'), lease('n1')))!, /can only access leases in the "kube-node-lease" system namespace/);
});

test('service-account tokens only for pods bound to the node', () => {
  const pods: Record<string, Pod> = {
    'default/mine': { metadata: { name: 'mine', namespace: 'default', uid: 'p1' }, spec: { nodeName: 'n1', containers: [] } },
    'default/theirs': { metadata: { name: 'theirs', namespace: 'default', uid: 'p2' }, spec: { nodeName: 'n2', containers: [] } },
  };
  const admit = createNodeRestriction({ getPod: (ns, name) => pods[`${ns}/${name}`] });
  const a = attrs('create', 'serviceaccounts/token', { namespace: 'default', name: 'sa' });
  const req = (boundObjectRef?: object): Unstructured => ({ kind: 'TokenRequest', metadata: {}, spec: { audiences: [], boundObjectRef } });
  assert.equal(admit(n1, a, req({ kind: 'Pod', name: 'mine', uid: 'p1' })), undefined);
  assert.match(reason(admit(n1, a, req()))!, /node requested token not bound to a pod/);
  assert.match(reason(admit(n1, a, req({ kind: 'Pod', name: 'theirs' })))!, /bound to a pod scheduled on a different node/);
  assert.match(reason(admit(n1, a, req({ kind: 'Pod', name: 'mine', uid: 'stale' })))!, /does not match the UID in record/);
});
