// @kubernetes/client-node 1.4.0's informer against the in-process API server, used as a
// controller uses it (issue #15, client matrix): list, then watch, with add/update/delete
// handlers; a network partition resets its watch, a controller restarts it on 'error', and by
// then the watch cache has moved past its resourceVersion: the resumed watch gets an ERROR 410
// event, the informer relists (ListWatch drops its resourceVersion on code 410 and lists again
// when the server ends the stream), tells the handlers what it missed, and keeps watching.
// No containerd here.
import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { eventually } from '../support/kubectl.ts';
import { startTcpProxy, type TcpProxy } from '../support/proxy.ts';

const history = 20;
const ns = 'informed';
const path = `/api/v1/namespaces/${ns}/configmaps`;

/** A KubeConfig for the admin kubeconfig, with the server replaced (the proxy in front of it). */
function kubeConfig(file: string, server: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  const cluster = kc.getCurrentCluster()!;
  kc.loadFromOptions({ clusters: [{ ...cluster, server }], users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  return kc;
}

describe('@kubernetes/client-node informer', () => {
  let api: TestApiServer;
  let c: TestClient;
  let proxy: TcpProxy;
  let informer: k8s.Informer<k8s.V1ConfigMap> & k8s.ObjectCache<k8s.V1ConfigMap>;
  let lists = 0;
  const events: string[][] = [];
  const errors: unknown[] = [];
  /** Resolved when the partition heals; a controller's backoff, as seen by the informer. */
  let healed: Promise<void> = Promise.resolve();
  let stopped = false;

  async function write(method: string, p: string, body?: object): Promise<any> {
    const res = await c.request(method, p, body, method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : {});
    assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${res.text}`);
    return res.json();
  }
  const mine = () => events.filter((e) => e[1] !== 'kube-root-ca.crt');
  const waitForEvents = (n: number, what: string) => eventually(() => mine().length >= n, 10_000, `${what} (have ${JSON.stringify(mine())})`);

  before(async () => {
    api = await startTestApiServer({ watchCacheHistory: history, etcdCompactionIntervalMs: 1000 });
    c = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
    proxy = await startTcpProxy({ host: '127.0.0.1', port: api.port });
    await write('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    for (const name of ['a', 'b']) await write('POST', path, { metadata: { name }, data: { v: '1' } });
    const kc = kubeConfig(api.kubeconfig, `https://127.0.0.1:${proxy.port}`);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    informer = k8s.makeInformer(kc, path, () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: ns });
    });
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (cm) => events.push([verb, cm.metadata!.name!, cm.data?.v ?? '']));
    }
    // As client-node's documentation has a controller do: restart on error, after a backoff.
    // stop() too ends in an error (the aborted watch): a stopped informer stays stopped.
    informer.on('error', (err) => {
      if (stopped) return;
      errors.push(err);
      void healed.then(() => informer.start());
    });
  });
  after(async () => {
    stopped = true;
    await informer?.stop();
    c?.close();
    await proxy?.close();
    await api?.stop();
  });

  it('lists, then watches: add, update and delete handlers see each change', async () => {
    await informer.start();
    assert.equal(lists, 1);
    assert.deepEqual(mine(), [['add', 'a', '1'], ['add', 'b', '1']]);
    await write('POST', path, { metadata: { name: 'c' }, data: { v: '1' } });
    await write('PATCH', `${path}/a`, { data: { v: '2' } });
    await write('DELETE', `${path}/b`);
    await waitForEvents(5, 'the watched changes');
    assert.deepEqual(mine().slice(2), [['add', 'c', '1'], ['update', 'a', '2'], ['delete', 'b', '1']]);
    assert.deepEqual(errors, []);
  });

  it('relists after its resumed watch is answered 410 Expired, telling the handlers what it missed, and watches on', async () => {
    let heal!: () => void;
    healed = new Promise((r) => (heal = r));
    const before = mine().length;
    proxy.cut();
    await eventually(() => errors.length === 1, 10_000, 'the informer\'s error on the reset watch');
    // While it is cut off: changes it misses, and more configmap writes (elsewhere) than the watch
    // cache keeps, so that its resourceVersion is no longer resumable.
    await write('POST', '/api/v1/namespaces', { metadata: { name: 'churn' } });
    for (let i = 0; i < history + 5; i++) await write('POST', '/api/v1/namespaces/churn/configmaps', { metadata: { name: `churn-${i}` } });
    await write('POST', path, { metadata: { name: 'd' }, data: { v: '1' } });
    await write('PATCH', `${path}/a`, { data: { v: '3' } });
    await write('DELETE', `${path}/c`);
    const accepted = proxy.accepted();
    proxy.heal();
    heal();
    await eventually(() => lists === 2, 10_000, 'the relist');
    await waitForEvents(before + 3, 'the missed changes');
    // Handlers hear deletions first (ListWatch's deleteItems), then adds and updates in list order.
    assert.deepEqual(mine().slice(before), [['delete', 'c', '1'], ['update', 'a', '3'], ['add', 'd', '1']]);
    assert.ok(proxy.accepted() > accepted, 'it reconnected');

    // It watches on from the relist.
    await write('POST', path, { metadata: { name: 'e' }, data: { v: '1' } });
    await write('DELETE', `${path}/a`);
    await waitForEvents(before + 5, 'the changes after the relist');
    assert.deepEqual(mine().slice(before + 3), [['add', 'e', '1'], ['delete', 'a', '3']]);
    const server = (await write('GET', path)).items.map((o: any) => [o.metadata.name, o.metadata.resourceVersion]);
    const cached = informer.list(ns).map((o) => [o.metadata!.name, o.metadata!.resourceVersion]);
    assert.deepEqual(cached.sort(), server.sort());
    assert.equal(lists, 2, 'one relist');
    assert.equal(errors.length, 1, 'only the reset watch was an error: the 410 is not');
  });
});
