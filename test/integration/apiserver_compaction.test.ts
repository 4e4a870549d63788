// The API server with storage compacting every second (--etcd-compaction-interval=1s), on
// SQLite and on etcd: resource types nobody writes stay listable and watchable however far
// compaction passes them (issue #15, item 1), and what compaction really removes answers 410.
// Needs etcd only, not containerd.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { startEtcd, type EtcdProcess } from '../support/etcd.ts';
import { eventually } from '../support/kubectl.ts';

interface WatchEvent {
  type: string;
  object: { code?: number; reason?: string; metadata?: { name?: string } };
}

const ns = '/api/v1/namespaces/default';

for (const backend of ['sqlite', 'etcd'] as const) {
  describe(`API server under compaction every second (${backend})`, () => {
    let etcd: EtcdProcess | undefined;
    let api: TestApiServer;
    let c: TestClient;
    const logs: string[] = [];
    let churn = 0;

    before(async () => {
      if (backend === 'etcd') etcd = await startEtcd();
      api = await startTestApiServer({
        storage: backend,
        etcdServers: etcd ? [etcd.endpoint] : [],
        etcdCompactionIntervalMs: 1000,
        watchCacheHistory: 20,
        log: (m) => logs.push(m),
      });
      c = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
    });
    after(async () => {
      c?.close();
      await api?.stop();
      await etcd?.stop();
    });

    /** Writes other objects (configmaps) until storage has compacted past `revision`. */
    async function compactPast(revision: number): Promise<void> {
      const deadline = Date.now() + 15_000;
      while ((await api.storage.compactedRevision()) <= revision) {
        assert.ok(Date.now() < deadline, `storage did not compact past ${revision}`);
        const res = await c.request('POST', `${ns}/configmaps`, { metadata: { name: `churn-${churn++}` } });
        assert.equal(res.status, 201, res.text);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    async function list(path: string): Promise<{ metadata: { resourceVersion: string; continue?: string }; items: { metadata: { name: string } }[] }> {
      const res = await c.request('GET', path);
      assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.text}`);
      return res.json();
    }

    it('lists quiet types after storage compacts past their last write, at any revision', async () => {
      const created = await c.request('POST', `${ns}/secrets`, { metadata: { name: 's1' }, stringData: { k: 'v' } });
      assert.equal(created.status, 201, created.text);
      const written = Number(created.json().metadata.resourceVersion);
      for (let round = 0; round < 3; round++) {
        await compactPast(written + round);
        const secrets = await list('/api/v1/secrets');
        assert.deepEqual(secrets.items.map((s) => s.metadata.name), ['s1']);
        assert.ok(Number(secrets.metadata.resourceVersion) >= (await api.storage.compactedRevision()), 'a consistent list is current');
        await list('/api/v1/serviceaccounts');
        await list(`${ns}/secrets`);
        // Another type's revision is a fine minimum for a list.
        const configMaps = await list(`${ns}/configmaps`);
        await list(`/api/v1/secrets?resourceVersion=${configMaps.metadata.resourceVersion}`);
        await list(`/apis/coordination.k8s.io/v1/leases?resourceVersion=${configMaps.metadata.resourceVersion}`);
      }
      assert.deepEqual(logs.filter((l) => /Too large resource version|compact/i.test(l)), []);
    });

    it('watches quiet types from their list revision and from now after compaction', async () => {
      const secrets = await list(`${ns}/secrets`);
      await compactPast(Number(secrets.metadata.resourceVersion));
      const resumed: WatchEvent[] = [];
      const fresh: WatchEvent[] = [];
      const stop = new AbortController();
      try {
        await c.watch(`${ns}/secrets?watch=1&resourceVersion=${secrets.metadata.resourceVersion}`, (e) => resumed.push(e), stop.signal);
        await c.watch(`${ns}/secrets?watch=1`, (e) => fresh.push(e), stop.signal);
        const created = await c.request('POST', `${ns}/secrets`, { metadata: { name: 's2' } });
        assert.equal(created.status, 201, created.text);
        await eventually(() => resumed.length >= 1 && fresh.length >= 2, 5000, 'watch events');
        assert.deepEqual(resumed.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 's2']]);
        assert.deepEqual(fresh.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 's1'], ['ADDED', 's2']]);
      } finally {
        stop.abort();
      }
      assert.deepEqual(logs.filter((l) => /Too large resource version|compact/i.test(l)), [], 'served by the watch cache, not its fallback');
    });

    it('answers 410 Expired for continue tokens and watches from before what is kept', async () => {
      const first = await list(`${ns}/configmaps?limit=2`);
      assert.ok(first.metadata.continue);
      await list(`${ns}/configmaps?limit=2&continue=${first.metadata.continue}`);
      await compactPast(Number(first.metadata.resourceVersion));
      const expired = await c.request('GET', `${ns}/configmaps?limit=2&continue=${first.metadata.continue}`);
      assert.equal(expired.status, 410, expired.text);
      assert.equal(expired.json().reason, 'Expired');
      // More configmap writes than the watch cache keeps (20 here): its window has moved on.
      for (let i = 0; i < 25; i++) assert.equal((await c.request('POST', `${ns}/configmaps`, { metadata: { name: `churn-${churn++}` } })).status, 201);
      const events: WatchEvent[] = [];
      const stop = new AbortController();
      try {
        await c.watch(`${ns}/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}`, (e) => events.push(e), stop.signal);
        await eventually(() => events.length > 0, 5000, 'the ERROR event');
      } finally {
        stop.abort();
      }
      assert.equal(events[0].type, 'ERROR');
      assert.equal(events[0].object.code, 410);
      assert.equal(events[0].object.reason, 'Expired');
    });
  });
}
