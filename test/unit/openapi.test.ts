import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenApiDocuments, openApiV2, openApiV3Document, openApiV3Index } from '../../src/apiserver/openapi/index.ts';
import { groupVersions, resources } from '../../src/apiserver/registry/resources.ts';

type Json = Record<string, any>;

function doc(path: string): Json {
  const d = openApiV3Document(path);
  assert.ok(d, `document ${path}`);
  return JSON.parse(d.body);
}

function docPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const schemaName = (ref: string) => ref.replace('#/components/schemas/', '');

describe('OpenAPI v3 index', () => {
  it('lists every served group-version with a hash-carrying URL', () => {
    const index = openApiV3Index() as { paths: Record<string, { serverRelativeURL: string }> };
    for (const gv of groupVersions()) {
      const key = docPath(gv.group, gv.version);
      const entry = index.paths[key];
      assert.ok(entry, key);
      const hash = openApiV3Document(key)!.hash;
      assert.equal(entry.serverRelativeURL, `/openapi/v3/${key}?hash=${hash}`);
    }
    for (const key of ['api', 'apis', 'apis/coordination.k8s.io', 'version']) assert.ok(index.paths[key], key);
  });

  it('answers undefined for paths it does not serve, and tolerates slashes', () => {
    assert.equal(openApiV3Document('apis/apps/v1'), undefined);
    assert.equal(openApiV3Document('/api/v1/')?.hash, openApiV3Document('api/v1')!.hash);
  });
});

describe('OpenAPI v3 hashes', () => {
  it('are the upper-case hex SHA-512 of the body, stable across builds', () => {
    const a = createOpenApiDocuments().v3Document('api/v1')!;
    const b = createOpenApiDocuments().v3Document('api/v1')!;
    assert.match(a.hash, /^[0-9A-F]{128}$/);
    assert.equal(a.hash, createHash('sha512').update(a.body).digest('hex').toUpperCase());
    assert.equal(a.hash, b.hash);
    assert.equal(a.body, b.body);
  });

  it('change when the content changes', () => {
    const fewer = resources.map((r) => (r.resource === 'pods' ? { ...r, verbs: r.verbs.filter((v) => v !== 'deletecollection') } : r));
    const a = createOpenApiDocuments().v3Document('api/v1')!;
    const b = createOpenApiDocuments(fewer).v3Document('api/v1')!;
    assert.notEqual(a.hash, b.hash);
    assert.equal(JSON.parse(b.body).paths['/api/v1/namespaces/{namespace}/pods'].delete, undefined);
    // other group-versions are untouched
    assert.equal(createOpenApiDocuments(fewer).v3Document('apis/coordination.k8s.io/v1')!.hash, openApiV3Document('apis/coordination.k8s.io/v1')!.hash);
  });

  it('are computed once per set of documents', () => {
    const docs = createOpenApiDocuments();
    assert.equal(docs.v3Document('api/v1'), docs.v3Document('api/v1'));
    assert.equal(docs.v3Index(), docs.v3Index());
  });
});

describe('OpenAPI v3 schemas', () => {
  const core = doc('api/v1');
  const schemas: Json = core.components.schemas;

  it('mark served kinds and lists with x-kubernetes-group-version-kind', () => {
    assert.deepEqual(schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
    assert.deepEqual(schemas['io.k8s.api.core.v1.PodList']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'PodList' }]);
    assert.deepEqual(schemas['io.k8s.api.core.v1.Event']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Event' }]);
    const lease = doc('apis/coordination.k8s.io/v1').components.schemas['io.k8s.api.coordination.v1.Lease'];
    assert.deepEqual(lease['x-kubernetes-group-version-kind'], [{ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' }]);
    assert.equal(schemas['io.k8s.api.core.v1.PodSpec']['x-kubernetes-group-version-kind'], undefined);
  });

  it('name types in upstream package style', () => {
    const pod = schemas['io.k8s.api.core.v1.Pod'].properties;
    assert.equal(schemaName(pod.metadata.allOf[0].$ref), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    const meta = schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties;
    assert.equal(schemaName(meta.creationTimestamp.$ref), 'io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    assert.equal(schemaName(meta.managedFields.items.$ref), 'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry');
    assert.deepEqual(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'], { description: schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].description, type: 'string', format: 'date-time' });
    const event = schemas['io.k8s.api.core.v1.Event'].properties;
    assert.equal(schemaName(event.involvedObject.$ref), 'io.k8s.api.core.v1.ObjectReference');
    assert.equal(schemaName(event.eventTime.$ref), 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime');
    assert.equal(schemaName(schemas['io.k8s.api.core.v1.EndpointSubset'].properties.ports.items.$ref), 'io.k8s.api.core.v1.EndpointPort');
    const slices = doc('apis/discovery.k8s.io/v1').components.schemas;
    assert.equal(schemaName(slices['io.k8s.api.discovery.v1.EndpointSlice'].properties.ports.items.$ref), 'io.k8s.api.discovery.v1.EndpointPort');
    assert.equal(schemaName(slices['io.k8s.api.discovery.v1.Endpoint'].properties.targetRef.$ref), 'io.k8s.api.core.v1.ObjectReference');
    assert.ok(schemas['io.k8s.api.authentication.v1.TokenRequest'], 'serviceaccounts/token kind');
    const lease = doc('apis/coordination.k8s.io/v1').components.schemas['io.k8s.api.coordination.v1.LeaseSpec'].properties;
    assert.equal(schemaName(lease.renewTime.$ref), 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime');
    assert.deepEqual(lease.leaseDurationSeconds, { type: 'integer', format: 'int32' });
  });

  it('use IntOrString and Quantity where upstream does', () => {
    const intOrString = schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.equal(intOrString.format, 'int-or-string');
    assert.equal(intOrString['x-kubernetes-int-or-string'], true);
    assert.equal(schemaName(schemas['io.k8s.api.core.v1.ServicePort'].properties.targetPort.$ref), 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    const resources = schemas['io.k8s.api.core.v1.ResourceRequirements'].properties;
    assert.equal(resources.limits.type, 'object');
    assert.equal(schemaName(resources.limits.additionalProperties.$ref), 'io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.equal(schemaName(schemas['io.k8s.api.core.v1.NodeStatus'].properties.capacity.additionalProperties.$ref), 'io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.equal(schemaName(schemas['io.k8s.api.core.v1.EmptyDirVolumeSource'].properties.sizeLimit.$ref), 'io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.deepEqual(schemas['io.k8s.api.core.v1.PodSpec'].properties.nodeSelector, { type: 'object', additionalProperties: { type: 'string' } });
    assert.deepEqual(schemas['io.k8s.api.core.v1.Secret'].properties.data, { type: 'object', additionalProperties: { type: 'string', format: 'byte' } });
  });

  it('carry required lists and strategic-merge-patch metadata', () => {
    assert.deepEqual(schemas['io.k8s.api.core.v1.Container'].required, ['name']);
    assert.deepEqual(schemas['io.k8s.api.core.v1.PodSpec'].required, ['containers']);
    const spec = schemas['io.k8s.api.core.v1.PodSpec'].properties;
    assert.equal(spec.containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(spec.containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(spec.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal(spec.tolerations['x-kubernetes-patch-strategy'], undefined);
    const container = schemas['io.k8s.api.core.v1.Container'].properties;
    assert.equal(container.ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.equal(container.volumeMounts['x-kubernetes-patch-merge-key'], 'mountPath');
    const meta = schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties;
    assert.equal(meta.finalizers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(meta.ownerReferences['x-kubernetes-patch-merge-key'], 'uid');
  });

  it('resolve every $ref within each document', () => {
    const index = openApiV3Index() as { paths: Record<string, unknown> };
    for (const key of Object.keys(index.paths)) {
      const d = openApiV3Document(key)!;
      const defined = JSON.parse(d.body).components.schemas;
      const refs = [...d.body.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
      assert.ok(refs.length > 0, key);
      for (const ref of refs) {
        assert.ok(ref.startsWith('#/components/schemas/'), ref);
        assert.ok(defined[schemaName(ref)], `${key}: ${ref}`);
      }
    }
  });
});

describe('OpenAPI v3 paths', () => {
  it('lay out every served resource as upstream does', () => {
    for (const r of resources) {
      const d = doc(docPath(r.group, r.version));
      const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const collection = r.namespaced ? `${root}/namespaces/{namespace}/${r.resource}` : `${root}/${r.resource}`;
      assert.ok(d.paths[collection]?.post, `${collection} post`);
      if (r.verbs.includes('get')) assert.ok(d.paths[`${collection}/{name}`]?.get, `${collection}/{name}`);
      if (r.namespaced && r.verbs.includes('list')) assert.ok(d.paths[`${root}/${r.resource}`]?.get, `${root}/${r.resource}`);
      for (const s of r.subresources ?? []) assert.ok(d.paths[`${collection}/{name}/${s.name}`], `${r.resource}/${s.name}`);
    }
  });

  it('mark operations with action, kind and the parameters kubectl looks for', () => {
    const paths = doc('api/v1').paths;
    const names = (op: Json) => op.parameters.map((p: Json) => p.name);
    const create = paths['/api/v1/namespaces/{namespace}/pods'].post;
    assert.equal(create.operationId, 'createCoreV1NamespacedPod');
    assert.equal(create['x-kubernetes-action'], 'post');
    assert.deepEqual(create['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.ok(create.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'));
    for (const n of ['namespace', 'dryRun', 'fieldManager']) assert.ok(names(create).includes(n), n);
    assert.equal(schemaName(create.requestBody.content['*/*'].schema.$ref), 'io.k8s.api.core.v1.Pod');

    const patch = paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.ok(names(patch).includes('fieldValidation'));
    assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
      'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
    ]);
    const list = paths['/api/v1/namespaces/{namespace}/pods'].get;
    assert.equal(list['x-kubernetes-action'], 'list');
    for (const n of ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch', 'timeoutSeconds', 'allowWatchBookmarks']) {
      assert.ok(names(list).includes(n), n);
    }
    assert.equal(schemaName(list.responses['200'].content['application/json'].schema.$ref), 'io.k8s.api.core.v1.PodList');
    assert.equal(paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    const del = paths['/api/v1/namespaces/{namespace}/pods/{name}'].delete;
    assert.equal(del['x-kubernetes-action'], 'delete');
    for (const n of ['gracePeriodSeconds', 'propagationPolicy', 'dryRun']) assert.ok(names(del).includes(n), n);
    assert.equal(paths['/api/v1/namespaces/{namespace}/pods'].delete['x-kubernetes-action'], 'deletecollection');
    const status = paths['/api/v1/namespaces/{namespace}/pods/{name}/status'];
    assert.equal(status.put.operationId, 'replaceCoreV1NamespacedPodStatus');
    assert.ok(names(status.patch).includes('fieldValidation'));
    const ephemeral = paths['/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers'];
    assert.deepEqual(Object.keys(ephemeral).filter((k) => k !== 'parameters').sort(), ['get', 'patch', 'put']);
    assert.equal(ephemeral.patch.operationId, 'patchCoreV1NamespacedPodEphemeralcontainers');
    const token = paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token'].post;
    assert.deepEqual(token['x-kubernetes-group-version-kind'], { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
    assert.equal(paths['/api/v1/nodes/{name}'].get.operationId, 'readCoreV1Node');
  });

  it('give each operation a unique operationId', () => {
    for (const gv of groupVersions()) {
      const ids = Object.values(doc(docPath(gv.group, gv.version)).paths).flatMap((item: any) => Object.values(item).map((op: any) => op.operationId));
      assert.equal(new Set(ids).size, ids.length, docPath(gv.group, gv.version));
    }
  });
});

describe('OpenAPI v2', () => {
  const v2 = JSON.parse(openApiV2());

  it('is Swagger 2.0 with definitions, and refs point into them', () => {
    assert.equal(v2.swagger, '2.0');
    assert.deepEqual(v2.definitions['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
    assert.ok(v2.definitions['io.k8s.api.coordination.v1.Lease']);
    const text = openApiV2();
    assert.ok(!text.includes('#/components/'));
    for (const m of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) assert.ok(v2.definitions[m[1]], m[1]);
    assert.deepEqual(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
    assert.equal(v2.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  });

  it('has operations with body parameters, consumes and the same extensions', () => {
    const create = v2.paths['/api/v1/namespaces/{namespace}/pods'].post;
    assert.equal(create['x-kubernetes-action'], 'post');
    const body = create.parameters.find((p: Json) => p.in === 'body');
    assert.equal(body.schema.$ref, '#/definitions/io.k8s.api.core.v1.Pod');
    assert.deepEqual(create.parameters.find((p: Json) => p.name === 'fieldValidation').type, 'string');
    assert.equal(create.responses['201'].schema.$ref, '#/definitions/io.k8s.api.core.v1.Pod');
    assert.ok(create.produces.includes('application/json'));
    const patch = v2.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}'].patch;
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' });
  });
});
