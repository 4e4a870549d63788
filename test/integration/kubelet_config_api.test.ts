// The API source against the real API server: pods bound to the node arrive, changes and
// deletions follow, and the watch carries on across an API server restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeClient } from '../../src/kubelet/client/client.ts';
import { loadKubeconfig } from '../../src/kubelet/client/kubeconfig.ts';
import { kubeClientPodListWatch } from '../../src/kubelet/config/api_client.ts';
import { watchApiSource } from '../../src/kubelet/config/api_source.ts';
import { PodConfig, type PodChange } from '../../src/kubelet/config/pod_config.ts';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const podBody = (name: string, nodeName: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name } },
  spec: { nodeName, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox:1.35' }] },
});

test('api source: pods bound to the node arrive, change, leave; the watch survives an API server restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-apisource-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  let server: TestApiServer = await startTestApiServer({ dataDir });
  t.after(() => server.stop());
  const admin = new TestClient(credentialsFromKubeconfig(server.kubeconfig));
  t.after(() => admin.close());
  const kube = new KubeClient(await loadKubeconfig(server.kubeconfig), { timeoutMs: 5000 });
  t.after(() => kube.close());

  const changes: PodChange[] = [];
  const errors: string[] = [];
  const config = new PodConfig({ onChange: (c) => changes.push(...c) });
  const ac = new AbortController();
  const done = watchApiSource({
    client: kubeClientPodListWatch(kube),
    nodeName: 'node-a',
    signal: ac.signal,
    backoff: { initialMs: 100, maxMs: 500 },
    onUpdate: (u) => config.apply(u),
    onError: (_s, m) => errors.push(m),
  });
  t.after(async () => { ac.abort(); await done; });
  const names = () => [...config.pods().values()].map((p) => p.metadata.name).sort();
  const ops = () => changes.map((c) => `${c.op}:${c.pods.map((p) => p.metadata.name).join(',')}`);

  await until(() => config.seenAllSources(['api']), 'the first list');
  const create = async (name: string, node: string) => {
    const r = await admin.request('POST', '/api/v1/namespaces/default/pods', podBody(name, node));
    assert.equal(r.status, 201, r.text);
  };
  await create('p1', 'node-a');
  await create('other', 'node-b'); // another node's pod never shows
  await create('p2', 'node-a');
  await until(() => names().join() === 'p1,p2', 'p1 and p2');
  assert.ok(!names().includes('other'));

  // A label change is an UPDATE; a graceful delete is a DELETE; the final removal a REMOVE.
  const patched = await admin.request('PATCH', '/api/v1/namespaces/default/pods/p1', { metadata: { labels: { app: 'changed' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  await until(() => ops().includes('UPDATE:p1'), 'the update');
  assert.equal(config.pods().get(patched.json().metadata.uid)!.metadata.labels!.app, 'changed');
  const graceful = await admin.request('DELETE', '/api/v1/namespaces/default/pods/p2');
  assert.ok(graceful.status === 200 || graceful.status === 202, graceful.text);
  await until(() => ops().includes('DELETE:p2'), 'the graceful delete');
  const gone = await admin.request('DELETE', '/api/v1/namespaces/default/pods/p2?gracePeriodSeconds=0');
  assert.ok(gone.status === 200 || gone.status === 202, gone.text);
  await until(() => names().join() === 'p1', 'p2 removed');
  assert.ok(ops().includes('REMOVE:p2'));

  // Restart the API server on the same port and data: the source reconnects and keeps up.
  const port = server.port;
  await server.close();
  server = await startTestApiServer({ dataDir, securePort: port });
  await create('p3', 'node-a');
  await until(() => names().join() === 'p1,p3', 'p3 after the restart', 20_000);
  const deleted = await admin.request('DELETE', '/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0');
  assert.ok(deleted.status === 200 || deleted.status === 202, deleted.text);
  await until(() => names().join() === 'p3', 'p1 removed after the restart');
});
