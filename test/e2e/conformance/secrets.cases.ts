// Upstream's test/e2e/common/node/secrets.go: Secrets consumed as environment variables, and the
// Secret API's validation and patching. docs/conformance.md has every case and its status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NAMESPACE, shellPod, conformanceCluster, uniqueName, type Framework, type Json } from './framework.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Upstream's secretForTest: three keys with dashes, each value ending in a newline. */
const secretForTest = (name: string): Json => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  data: { 'data-1': b64('value-1\n'), 'data-2': b64('value-2\n'), 'data-3': b64('value-3\n') },
});

// Upstream runs `sh -c env`; Debian's busybox 1.35 ash leaves names that are not shell
// identifiers (data-1) out of its children's environment, so `env` runs alone.
const envPod = (name: string, containerName: string, container: Json): Json => shellPod(name, 'env', {}, { name: containerName, command: ['env'], ...container });

describe('[sig-node] Secrets', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] Secrets should be consumable from pods in env vars [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('secret-test');
    await f.create(secretForTest(name));
    await f.expectOutput(
      envPod(uniqueName('pod-secrets'), 'secret-env-test', { env: [{ name: 'SECRET_DATA', valueFrom: { secretKeyRef: { name, key: 'data-1' } } }] }),
      ['SECRET_DATA=value-1'],
    );
  });

  it('[sig-node] Secrets should be consumable via the environment [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('secret-test');
    await f.create(secretForTest(name));
    await f.expectOutput(
      envPod(uniqueName('pod-configmaps'), 'env-test', { envFrom: [{ secretRef: { name } }, { prefix: 'p-', secretRef: { name } }] }),
      ['data-1=value-1', 'data-2=value-2', 'data-3=value-3', 'p-data-1=value-1', 'p-data-2=value-2', 'p-data-3=value-3'],
    );
  });

  it('[sig-node] Secrets should fail to create secret due to empty secret key [Conformance]', async () => {
    const name = uniqueName('secret-emptykey-test');
    const res = await f.api.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { '': b64('value-1\n') } });
    assert.equal(res.status, 422, `created secret ${name} with an empty key: ${res.status} ${res.text}`);
  });

  it('[sig-node] Secrets should patch a secret [Conformance]', async () => {
    // The file's cluster is this case's alone for these labels, as upstream's namespace is.
    const name = uniqueName('test-secret');
    const created = await f.create({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, labels: { 'testsecret-constant': 'true' } }, data: { key: b64('value') } });
    assert.match(created.metadata.resourceVersion ?? '', /^[1-9][0-9]*$/, 'a valid resourceVersion');

    const listAll = async () => (await f.api.request('GET', `/api/v1/secrets?labelSelector=${encodeURIComponent('testsecret-constant=true')}`)).json().items as Json[];
    const before = await listAll();
    assert.notEqual(before.length, 0, 'no secrets found');
    assert.ok(before.some((s) => s.metadata.name === name && s.metadata.namespace === NAMESPACE), `unable to find secret ${name} by name`);

    // Upstream's patch puts base64("value1") in data as bytes, which JSON encodes once more: the
    // stored value is the base64 text, and decoding it gives "value1".
    await f.kubectl('patch', 'secret', name, '-p', JSON.stringify({ metadata: { labels: { testsecret: 'true' } }, data: { key: b64(b64('value1')) } }));
    const secret = JSON.parse(await f.kubectl('get', 'secret', name, '-o', 'json'));
    assert.ok(BigInt(secret.metadata.resourceVersion) > BigInt(created.metadata.resourceVersion), 'patched object should have a larger resource version');
    assert.equal(Buffer.from(Buffer.from(secret.data.key, 'base64').toString(), 'base64').toString(), 'value1', "found secret, but the data wasn't updated from the patch");

    const del = await f.api.request('DELETE', `/api/v1/namespaces/${NAMESPACE}/secrets?labelSelector=${encodeURIComponent('testsecret=true')}`);
    assert.equal(del.status, 200, `delete collection: ${del.status} ${del.text}`);
    assert.ok(!(await listAll()).some((s) => s.metadata.name === name && s.metadata.namespace === NAMESPACE), `secret ${name} was not deleted successfully`);
  });

  // Release v1.34 (after 1.32): prefixes any printable ASCII but '=' (RelaxedEnvironmentVariableValidation).
  it('[sig-node] Secrets should be consumable as environment variable names variable names with various prefixes [Conformance]', { todo: 'a v1.34 case: prefixes such as 1- and #@! need the relaxed variable-name rule (RelaxedEnvironmentVariableValidation), after the v1.32 Berth follows' }, async () => {
    const name = uniqueName('secret-test');
    await f.create(secretForTest(name));
    const prefixes = ['1-', '$_-', 'ABC_', '#@!'];
    await f.expectOutput(
      envPod(uniqueName('pod-secret'), 'env-test', { envFrom: [{ secretRef: { name } }, ...prefixes.map((prefix) => ({ prefix, secretRef: { name } }))] }),
      ['', ...prefixes].flatMap((p) => [1, 2, 3].map((i) => `${p}data-${i}=value-${i}`)),
    );
  });
});
