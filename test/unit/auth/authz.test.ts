import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/core/index.ts';
import type { PersistentVolumeClaim } from '../../../src/apiserver/auth/node_authorizer.ts';
import { createAuthorizer, forbiddenMessage, type Attributes, type UserInfo } from '../../../src/apiserver/auth/authz.ts';

const pods: Pod[] = [
  {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: {
      nodeName: 'n1',
      serviceAccountName: 'web-sa',
      imagePullSecrets: [{ name: 'pull' }],
      containers: [
        {
          name: 'c',
          env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }],
          envFrom: [{ secretRef: { name: 'envfrom-secret' } }, { configMapRef: { name: 'envfrom-cm' } }],
        },
      ],
      initContainers: [{ name: 'i', env: [{ name: 'C', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }] }],
      volumes: [
        { name: 'v1', secret: { secretName: 'vol-secret' } },
        { name: 'v2', configMap: { name: 'vol-cm' } },
        { name: 'v3', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'kube-root-ca.crt' } }, { serviceAccountToken: { path: 't' } }] } },
        { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
      ],
    },
  },
  { metadata: { name: 'plain', namespace: 'other', uid: 'u2' }, spec: { nodeName: 'n1', containers: [{ name: 'c' }] } },
  { metadata: { name: 'elsewhere', namespace: 'default', uid: 'u3' }, spec: { nodeName: 'n2', volumes: [{ name: 'v', secret: { secretName: 'n2-secret' } }], containers: [] } },
];
const pvcs: Record<string, PersistentVolumeClaim> = { 'default/data': { metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv-1' } } };

const authorizer = createAuthorizer({
  nodeGraph: {
    podsOnNode: (node) => pods.filter((p) => p.spec.nodeName === node),
    persistentVolumeClaim: (ns, name) => pvcs[`${ns}/${name}`],
  },
});

const node1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

function attrs(user: UserInfo, verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  const [res, sub = ''] = resource.split('/');
  return { user, verb, isResourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource: res, subresource: sub, namespace: 'default', name: '', ...o };
}
const nonResource = (user: UserInfo, path: string, verb = 'get'): Attributes => ({
  user, verb, isResourceRequest: false, path, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '',
});
const allowed = (a: Attributes) => authorizer.authorize(a).allowed;

test('system:masters may do anything', () => {
  assert.ok(allowed(attrs(admin, 'delete', 'secrets', { name: 'x' })));
  assert.ok(allowed(attrs(admin, 'create', 'widgets', { apiGroup: 'example.com' })));
  assert.ok(allowed(nonResource(admin, '/metrics')));
});

test('other users get discovery, health and self reviews only', () => {
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/version', '/healthz', '/openapi/v3', '/openapi/v3/api/v1']) {
    assert.ok(allowed(nonResource(bob, p)), p);
  }
  assert.ok(!allowed(nonResource(bob, '/metrics')));
  assert.ok(!allowed(nonResource(bob, '/api', 'post')));
  assert.ok(allowed(attrs(bob, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: '' })));
  assert.ok(allowed(attrs(bob, 'create', 'selfsubjectreviews', { apiGroup: 'authentication.k8s.io', namespace: '' })));
  assert.ok(!allowed(attrs(bob, 'create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: '' })));
  assert.ok(!allowed(attrs(bob, 'list', 'pods')));
  // Without system:authenticated (as a SubjectAccessReview may ask), not even discovery.
  assert.ok(!allowed(nonResource({ name: 'bob', groups: [] }, '/api')));
});

test('system:monitoring may read /metrics and the health checks, nothing else', () => {
  const prom = { name: 'prometheus', groups: ['system:monitoring', 'system:authenticated'] };
  for (const p of ['/metrics', '/metrics/slis', '/readyz', '/readyz/etcd', '/livez/ping', '/healthz']) assert.ok(allowed(nonResource(prom, p)), p);
  assert.ok(!allowed(nonResource(prom, '/metrics', 'post')));
  assert.ok(!allowed(attrs(prom, 'list', 'pods')));
});

test('forbiddenMessage follows upstream', () => {
  assert.equal(forbiddenMessage(attrs(bob, 'list', 'pods')), 'User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
  assert.equal(
    forbiddenMessage(attrs(bob, 'get', 'deployments/scale', { apiGroup: 'apps', namespace: '', name: 'x' })),
    'User "bob" cannot get resource "deployments/scale" in API group "apps" at the cluster scope',
  );
  assert.equal(forbiddenMessage(nonResource(bob, '/foo')), 'User "bob" cannot get path "/foo"');
  assert.equal(
    forbiddenMessage(attrs(node1, 'get', 'secrets', { name: 's' }), "no relationship found between node 'n1' and this object"),
    'User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
  );
});

test('a node reads secrets its pods reference, by every kind of reference', () => {
  for (const name of ['pull', 'env-secret', 'envfrom-secret', 'init-secret', 'vol-secret', 'proj-secret']) {
    for (const verb of ['get', 'list', 'watch']) assert.ok(allowed(attrs(node1, verb, 'secrets', { name })), `${verb} ${name}`);
  }
  for (const name of ['env-cm', 'envfrom-cm', 'vol-cm', 'kube-root-ca.crt']) assert.ok(allowed(attrs(node1, 'get', 'configmaps', { name })), name);
  assert.ok(allowed(attrs(node1, 'get', 'persistentvolumeclaims', { name: 'data' })));
  assert.ok(allowed(attrs(node1, 'get', 'persistentvolumes', { name: 'pv-1', namespace: '' })));
});

test('a node may not read secrets no pod of its uses, nor those of another node, nor write them', () => {
  const d = authorizer.authorize(attrs(node1, 'get', 'secrets', { name: 'unused' }));
  assert.equal(d.allowed, false);
  assert.equal(d.reason, "no relationship found between node 'n1' and this object");
  assert.ok(!allowed(attrs(node1, 'get', 'secrets', { name: 'n2-secret' })));
  assert.ok(!allowed(attrs(node1, 'get', 'secrets', { name: 'vol-secret', namespace: 'other' })), 'same name, other namespace');
  assert.ok(!allowed(attrs(node1, 'update', 'secrets', { name: 'vol-secret' })));
  assert.ok(!allowed(attrs(node1, 'list', 'secrets')), 'a list without a name');
  assert.ok(!allowed(attrs(node1, 'list', 'persistentvolumeclaims', { name: 'data' })), 'pvcs: get only');
  assert.ok(!allowed(attrs(node1, 'get', 'persistentvolumes', { name: 'pv-other', namespace: '' })));
  assert.ok(!allowed(attrs(node1, 'get', 'configmaps', { name: 'unused' })));
});

test('a node creates tokens only for service accounts of its pods', () => {
  assert.ok(allowed(attrs(node1, 'create', 'serviceaccounts/token', { name: 'web-sa' })));
  assert.ok(allowed(attrs(node1, 'create', 'serviceaccounts/token', { name: 'default', namespace: 'other' })), 'a pod without serviceAccountName uses default');
  assert.ok(!allowed(attrs(node1, 'create', 'serviceaccounts/token', { name: 'default' })));
  assert.ok(!allowed(attrs(node1, 'get', 'serviceaccounts', { name: 'web-sa' })));
  const n2: UserInfo = { name: 'system:node:n2', groups: ['system:nodes'] };
  assert.ok(!allowed(attrs(n2, 'create', 'serviceaccounts/token', { name: 'web-sa' })));
});

test('node leases: only its own, only in kube-node-lease', () => {
  const lease = (verb: string, name: string, namespace = 'kube-node-lease') => attrs(node1, verb, 'leases', { apiGroup: 'coordination.k8s.io', name, namespace });
  for (const verb of ['get', 'update', 'patch', 'delete']) assert.ok(allowed(lease(verb, 'n1')), verb);
  assert.ok(allowed(lease('create', '')));
  assert.ok(!allowed(lease('get', 'n2')));
  assert.ok(!allowed(lease('get', 'n1', 'default')));
  assert.ok(!allowed(lease('list', '')));
});

test('the system:node rules', () => {
  const yes: [string, string, Partial<Attributes>?][] = [
    ['get', 'nodes', { namespace: '', name: 'n2' }],
    ['list', 'nodes', { namespace: '' }],
    ['watch', 'nodes', { namespace: '' }],
    ['create', 'nodes', { namespace: '' }],
    ['patch', 'nodes/status', { namespace: '', name: 'n1' }],
    ['update', 'nodes', { namespace: '', name: 'n1' }],
    ['list', 'pods', { namespace: '' }],
    ['get', 'pods', { name: 'web' }],
    ['create', 'pods'],
    ['delete', 'pods', { name: 'web' }],
    ['patch', 'pods/status', { name: 'web' }],
    ['list', 'services', { namespace: '' }],
    ['get', 'endpoints', { name: 'kubernetes' }],
    ['create', 'events'],
    ['patch', 'events', { name: 'e' }],
    ['create', 'tokenreviews', { apiGroup: 'authentication.k8s.io', namespace: '' }],
    ['create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: '' }],
  ];
  for (const [verb, res, o] of yes) assert.ok(allowed(attrs(node1, verb, res, o)), `${verb} ${res}`);
  const no: [string, string, Partial<Attributes>?][] = [
    ['delete', 'nodes', { namespace: '', name: 'n1' }],
    ['update', 'pods', { name: 'web' }],
    ['create', 'pods/binding', { name: 'web' }],
    ['create', 'services'],
    ['delete', 'events', { name: 'e' }],
    ['list', 'deployments', { apiGroup: 'apps' }],
    ['create', 'namespaces', { namespace: '' }],
  ];
  for (const [verb, res, o] of no) assert.ok(!allowed(attrs(node1, verb, res, o)), `${verb} ${res}`);
  assert.ok(allowed(nonResource(node1, '/api')), 'discovery as an authenticated user');
});

test('a system:nodes member without a node user name is not a node', () => {
  const d = authorizer.authorize(attrs({ name: 'weird', groups: ['system:nodes'] }, 'get', 'pods', { name: 'web' }));
  assert.equal(d.allowed, false);
  assert.equal(d.reason, 'unknown node for user "weird"');
});

test('service accounts are denied until RBAC exists', () => {
  const sa: UserInfo = { name: 'system:serviceaccount:default:x', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };
  assert.ok(!allowed(attrs(sa, 'get', 'pods', { name: 'web' })));
  assert.ok(allowed(nonResource(sa, '/version')));
});
