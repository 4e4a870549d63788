// Server-side apply with the real kubectl (apply --server-side, --force-conflicts, diff
// --server-side, --dry-run=server) and raw requests: managedFields on every write, two
// managers on a ConfigMap and a Pod, conflicts, forced take-over, fields dropped by their only
// manager, and a no-op apply that leaves the resourceVersion alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { kubectl, kubectlOk } from '../support/kubectl.ts';

interface Entry {
  manager: string;
  operation: string;
  fieldsV1: Record<string, any>;
  subresource?: string;
}

describe('server-side apply', () => {
  let server: TestApiServer;
  let client: TestClient;
  const ns = 'ssa';
  const applyAs = (manager: string, obj: object, ...flags: string[]) =>
    kubectl(server.kubeconfig, ['apply', '--server-side', `--field-manager=${manager}`, '-n', ns, ...flags, '-f', '-'], { input: stringify(obj) });
  const get = async (path: string) => (await client.request('GET', path)).json();
  const managers = (obj: { metadata: { managedFields?: Entry[] } }) =>
    Object.fromEntries((obj.metadata.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`, e.fieldsV1]));

  before(async () => {
    server = await startTestApiServer();
    client = new TestClient(credentialsFromKubeconfig(server.kubeconfig));
    await kubectlOk(server.kubeconfig, ['create', 'namespace', ns]);
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  const cm = (data: Record<string, string>, labels: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', labels },
    data,
  });
  const cmPath = `/api/v1/namespaces/${ns}/configmaps/settings`;

  it('creates, re-applies without a write, and records the creator of a plain create', async () => {
    const r = await applyAs('alice', cm({ color: 'blue', size: 'L' }, { team: 'a' }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configmap\/settings serverside-applied/);
    const created = await get(cmPath);
    assert.deepEqual(managers(created), { 'alice/Apply': { 'f:data': { 'f:color': {}, 'f:size': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } } });

    assert.equal((await applyAs('alice', cm({ color: 'blue', size: 'L' }, { team: 'a' }))).code, 0);
    const again = await get(cmPath);
    assert.equal(again.metadata.resourceVersion, created.metadata.resourceVersion, 'a no-op apply writes nothing');
    assert.deepEqual(again.metadata.managedFields, created.metadata.managedFields);

    await kubectlOk(server.kubeconfig, ['create', 'configmap', 'plain', '-n', ns, '--from-literal=k=v']);
    const plain = await get(`/api/v1/namespaces/${ns}/configmaps/plain`);
    assert.deepEqual(managers(plain), { 'kubectl-create/Update': { 'f:data': { 'f:k': {} } } });
  });

  it('a second manager shares equal values and conflicts on different ones; --force-conflicts takes the field', async () => {
    assert.equal((await applyAs('bob', cm({ color: 'blue' }, { owner: 'b' }))).code, 0);
    const shared = await get(cmPath);
    assert.deepEqual(shared.metadata.labels, { team: 'a', owner: 'b' });
    assert.deepEqual(Object.keys(managers(shared)).sort(), ['alice/Apply', 'bob/Apply']);

    const conflict = await applyAs('bob', cm({ color: 'red' }, { owner: 'b' }));
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "alice": \.data\.color/);
    assert.equal((await get(cmPath)).data.color, 'blue', 'a refused apply changes nothing');

    // The raw answer: 409 with one cause per field and manager.
    const raw = await client.request('PATCH', `${cmPath}?fieldManager=bob`, JSON.stringify(cm({ color: 'red', size: 'S' })), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(raw.status, 409);
    assert.deepEqual(raw.json().details.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.color' },
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.size' },
    ]);

    const forced = await applyAs('bob', cm({ color: 'red' }, { owner: 'b' }), '--force-conflicts');
    assert.equal(forced.code, 0, forced.stderr);
    const taken = await get(cmPath);
    assert.equal(taken.data.color, 'red');
    assert.deepEqual(managers(taken)['alice/Apply']['f:data'], { 'f:size': {} });
    assert.deepEqual(managers(taken)['bob/Apply']['f:data'], { 'f:color': {} });
  });

  it('a field its only manager stops applying is removed; a shared one stays', async () => {
    assert.equal((await applyAs('alice', cm({}, { owner: 'b' }))).code, 0);
    const after = await get(cmPath);
    assert.deepEqual(after.data, { color: 'red' }, 'size was alice\'s alone');
    assert.deepEqual(after.metadata.labels, { owner: 'b' }, 'team was alice\'s alone; owner is shared with bob');
  });

  it('diff --server-side and --dry-run=server show the change and write nothing', async () => {
    const before = await get(cmPath);
    const diff = await kubectl(server.kubeconfig, ['diff', '--server-side', '--field-manager=bob', '-n', ns, '-f', '-'], { input: stringify(cm({ color: 'green' }, { owner: 'b' })) });
    assert.equal(diff.code, 1, `diff exits 1 when there are differences: ${diff.stderr}`);
    assert.match(diff.stdout, /-\s+color: red/);
    assert.match(diff.stdout, /\+\s+color: green/);
    const dry = await applyAs('bob', cm({ color: 'green' }, { owner: 'b' }), '--dry-run=server', '-o', 'json');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).data.color, 'green');
    const now = await get(cmPath);
    assert.equal(now.data.color, 'red');
    assert.equal(now.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('two managers on a Pod: labels, a container image and its env list by name', async () => {
    const pod = (manager: string, extra: { labels?: Record<string, string>; image?: string; env?: Array<{ name: string; value: string }> }) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: extra.labels ?? {} },
      spec: { containers: [{ name: 'app', ...(extra.image ? { image: extra.image } : {}), ...(extra.env ? { env: extra.env } : {}) }] },
      _manager: manager,
    });
    const body = (p: ReturnType<typeof pod>) => {
      const { _manager, ...obj } = p;
      return obj;
    };
    const podPath = `/api/v1/namespaces/${ns}/pods/web`;
    const alice = pod('alice', { labels: { app: 'web', tier: 'front' }, image: 'busybox:1', env: [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'info' }] });
    assert.equal((await applyAs('alice', body(alice))).code, 0);

    // bob co-owns one env entry (same value) and adds a label; he names the container only by its key.
    const bob = pod('bob', { labels: { canary: 'enabled' }, env: [{ name: 'MODE', value: 'prod' }] });
    const shared = await applyAs('bob', body(bob));
    assert.equal(shared.code, 0, shared.stderr);
    const live = await get(podPath);
    assert.deepEqual(live.metadata.labels, { app: 'web', tier: 'front', canary: 'enabled' });
    assert.deepEqual(live.spec.containers[0].env, [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'info' }]);
    const bobFields = managers(live)['bob/Apply'];
    assert.deepEqual(bobFields['f:spec']['f:containers']['k:{"name":"app"}']['f:env'], { 'k:{"name":"MODE"}': { '.': {}, 'f:name': {}, 'f:value': {} } });

    const conflict = await applyAs('bob', body(pod('bob', { env: [{ name: 'MODE', value: 'dev' }] })));
    assert.match(conflict.stderr, /conflict with "alice": \.spec\.containers\[name="app"\]\.env\[name="MODE"\]\.value/);

    const forced = await applyAs('bob', body(pod('bob', { labels: { canary: 'enabled' }, image: 'busybox:2', env: [{ name: 'MODE', value: 'prod' }] })), '--force-conflicts');
    assert.equal(forced.code, 0, forced.stderr);
    const taken = await get(podPath);
    assert.equal(taken.spec.containers[0].image, 'busybox:2');
    assert.equal(managers(taken)['alice/Apply']['f:spec']['f:containers']['k:{"name":"app"}']['f:image'], undefined);

    // alice drops the tier label, hers alone, and the env entry MODE, which bob still holds.
    const dropped = await applyAs('alice', body(pod('alice', { labels: { app: 'web' }, env: [{ name: 'LOG', value: 'info' }] })));
    // Pods refuse env changes after creation: MODE stays because bob owns it, so the spec is unchanged.
    assert.equal(dropped.code, 0, dropped.stderr);
    const final = await get(podPath);
    assert.deepEqual(final.metadata.labels, { app: 'web', canary: 'enabled' });
    assert.deepEqual(final.spec.containers[0].env, [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'info' }]);
  });

  it('answers bad apply requests as upstream', async () => {
    const noManager = await client.request('PATCH', cmPath, JSON.stringify(cm({})), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(noManager.status, 422);
    assert.equal(noManager.json().message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const forceOnMerge = await client.request('PATCH', `${cmPath}?force=true`, '{}', { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(forceOnMerge.status, 422);
    assert.match(forceOnMerge.json().message, /force: Forbidden: may not be specified for non-apply patch/);
    const withManaged = await client.request('PATCH', `${cmPath}?fieldManager=x`, JSON.stringify({ ...cm({}), metadata: { name: 'settings', managedFields: [] } }), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(withManaged.status, 400);
    assert.equal(withManaged.json().message, 'metadata.managedFields must be nil');
    const yamlBody = await client.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/from-yaml?fieldManager=y`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: "1"\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(yamlBody.status, 201, yamlBody.text);
    const otherName = await client.request('PATCH', `${cmPath}?fieldManager=x`, JSON.stringify({ ...cm({}), metadata: { name: 'other' } }), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(otherName.status, 400);
  });
});
