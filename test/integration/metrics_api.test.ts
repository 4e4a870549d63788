// The Metrics API end to end without containers: a fake kubelet (HTTPS, serving certificate from
// the test cluster CA, client certificates required) serves changing /metrics/resource for two
// registered nodes; the API server scrapes it every second and the real kubectl reads the result.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PodPhase } from '../../src/api/core/index.ts';
import type { KubeObject } from '../../src/api/object.ts';
import { ensurePki, issueCertificate } from '../../src/pki/pki.ts';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const MiB = 1024 * 1024;

// What each fake node reports: cores used per container (a constant rate) and memory held.
const workloads: Record<string, Array<{ ns: string; pod: string; container: string; cores: number; memory: number }>> = {
  'fake-1': [
    { ns: 'default', pod: 'web', container: 'app', cores: 0.25, memory: 200 * MiB },
    { ns: 'default', pod: 'web', container: 'sidecar', cores: 0.1, memory: 20 * MiB },
    { ns: 'team', pod: 'batch', container: 'worker', cores: 0.05, memory: 64 * MiB },
  ],
  'fake-2': [{ ns: 'default', pod: 'db', container: 'db', cores: 0.5, memory: 300 * MiB }],
};
const nodeCores: Record<string, number> = { 'fake-1': 0.6, 'fake-2': 1 };

function exposition(node: string, now: number, t0: number): string {
  const elapsed = (now - t0) / 1000 + 100;
  const lines = [
    '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
    '# TYPE node_cpu_usage_seconds_total counter',
    `node_cpu_usage_seconds_total ${nodeCores[node] * elapsed} ${now}`,
    '# TYPE node_memory_working_set_bytes gauge',
    `node_memory_working_set_bytes ${1024 * MiB} ${now}`,
  ];
  for (const w of workloads[node]) {
    const l = `{container="${w.container}",namespace="${w.ns}",pod="${w.pod}"}`;
    lines.push(
      `container_cpu_usage_seconds_total${l} ${w.cores * elapsed} ${now}`,
      `container_memory_working_set_bytes${l} ${w.memory} ${now}`,
      `container_start_time_seconds${l} ${(t0 - 100_000) / 1000} ${t0 - 100_000}`,
      `pod_cpu_usage_seconds_total{namespace="${w.ns}",pod="${w.pod}"} ${w.cores * elapsed} ${now}`,
    );
  }
  lines.push('# TYPE scrape_error gauge', 'scrape_error 0');
  return `${lines.join('\n')}\n`;
}

let api: TestApiServer;
let kubelet: Server;
let client: TestClient;
const clientNames: string[] = [];
const scrapedNodes: string[] = [];

async function createNode(name: string, labels: Record<string, string>, port: number): Promise<void> {
  const nodes = api.clients.nodes;
  await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } });
  await nodes.guaranteedUpdate('', name, (n) => ({
    ...n,
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    },
  }), 'status');
}

async function createPod(ns: string, name: string, node: string, containers: string[], labels: Record<string, string>, phase: PodPhase = 'Running'): Promise<void> {
  const pods = api.clients.pods;
  await pods.create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { nodeName: node, containers: containers.map((c) => ({ name: c, image: 'localhost/busybox:1.35' })) },
  });
  await pods.guaranteedUpdate(ns, name, (p) => ({ ...p, status: { ...p.status, phase } }), 'status');
}

before(async () => {
  const work = await import('node:fs/promises').then((fs) => fs.mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'berth-metrics-')));
  const tokens = join(work, 'tokens.csv');
  await writeFile(tokens, 'bobtoken,bob,1001,\n');
  api = await startTestApiServer({ metricResolutionMs: 1000, tokenAuthFile: tokens });
  client = new TestClient(credentialsFromKubeconfig(api.kubeconfig));
  const pki = await ensurePki(join(api.dataDir, 'pki'), { hosts: [] });
  const serving = await issueCertificate(pki, { commonName: 'system:node:fake', organizations: ['system:nodes'], hosts: ['fake-1', 'fake-2', '127.0.0.1'], usage: 'server' });
  const t0 = Date.now();
  kubelet = createServer({ cert: serving.certPem, key: serving.keyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const socket = req.socket as TLSSocket;
    clientNames.push(String(socket.getPeerCertificate().subject?.CN));
    const node = socket.servername as string;
    scrapedNodes.push(node);
    if (req.url !== '/metrics/resource' || !workloads[node]) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(exposition(node, Date.now(), t0));
  });
  await new Promise<void>((resolve) => kubelet.listen(0, '127.0.0.1', resolve));
  const port = (kubelet.address() as { port: number }).port;

  await api.clients.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  // Pods need their namespace's default service account, which its controller creates.
  for (const ns of ['default', 'team']) {
    await eventually(() => api.clients.serviceAccounts.get(ns, 'default'), 10_000, `service account ${ns}/default`);
  }
  await createNode('fake-1', { role: 'worker', zone: 'a' }, port);
  await createNode('fake-2', { role: 'db', zone: 'b' }, port);
  await createPod('default', 'web', 'fake-1', ['app', 'sidecar'], { app: 'web', tier: 'front' });
  await createPod('team', 'batch', 'fake-1', ['worker'], { app: 'batch' });
  await createPod('default', 'db', 'fake-2', ['db'], { app: 'db' });
  await createPod('default', 'pending', 'fake-2', ['p'], { app: 'web' }, 'Pending');

  // Two scrapes make a rate.
  await eventually(async () => {
    const r = await client.request('GET', '/apis/metrics.k8s.io/v1beta1/pods');
    return r.status === 200 && r.json().items.length === 3;
  }, 15_000, 'metrics of three pods');
});

after(async () => {
  client?.agent.destroy();
  await new Promise<void>((resolve) => (kubelet ? kubelet.close(() => resolve()) : resolve()));
  kubelet?.closeAllConnections();
  await api?.stop();
});

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= expected * 0.02 + 1e-3, `${what}: ${actual} is not within 2% of ${expected}`);
const cores = (q: string) => (q.endsWith('n') ? Number(q.slice(0, -1)) / 1e9 : q.endsWith('u') ? Number(q.slice(0, -1)) / 1e6 : q.endsWith('m') ? Number(q.slice(0, -1)) / 1e3 : Number(q));

test('the API server scrapes with its kubelet-client certificate, verifying the kubelet by the cluster CA', () => {
  assert.ok(clientNames.length >= 4, `scraped ${clientNames.length} times`);
  assert.deepEqual([...new Set(clientNames)], ['kube-apiserver-kubelet-client']);
});

test('kubectl get --raw serves NodeMetricsList and PodMetrics with rates from the counters', async () => {
  const nodes = JSON.parse(await kubectlOk(api.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']));
  assert.equal(nodes.kind, 'NodeMetricsList');
  assert.deepEqual(nodes.items.map((i: KubeObject) => i.metadata.name), ['fake-1', 'fake-2']);
  near(cores(nodes.items[0].usage.cpu), 0.6, 'fake-1 cpu');
  assert.equal(nodes.items[0].usage.memory, '1Gi');
  assert.match(nodes.items[0].window, /^\d+(\.\d+)?m?s$/);
  assert.deepEqual(nodes.items[0].metadata.labels, { role: 'worker', zone: 'a' });

  const web = JSON.parse(await kubectlOk(api.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web']));
  assert.equal(web.kind, 'PodMetrics');
  assert.deepEqual(web.containers.map((c: { name: string }) => c.name), ['app', 'sidecar']);
  near(cores(web.containers[0].usage.cpu), 0.25, 'web/app cpu');
  assert.equal(web.containers[0].usage.memory, '200Mi');

  const group = JSON.parse(await kubectlOk(api.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1']));
  assert.deepEqual(group.resources.map((r: { name: string; kind: string }) => `${r.name}:${r.kind}`), ['nodes:NodeMetrics', 'pods:PodMetrics']);
});

/** Rows of kubectl's table output, split on runs of spaces, without the header. */
const rows = (out: string) => out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));

test('kubectl top nodes, also with a label selector', async () => {
  const out = await kubectlOk(api.kubeconfig, ['top', 'nodes']);
  assert.match(out.split('\n')[0], /^NAME\s+CPU\(cores\)\s+CPU(%|\(%\))\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))/);
  const [n1, n2] = rows(out);
  assert.equal(n1[0], 'fake-1');
  near(Number(n1[1].replace(/m$/, '')), 600, 'fake-1 millicores');
  assert.deepEqual([n1[2], n1[3], n1[4]], ['30%', '1024Mi', '25%']);
  assert.equal(n2[0], 'fake-2');
  const selected = rows(await kubectlOk(api.kubeconfig, ['top', 'node', '-l', 'role=db']));
  assert.deepEqual(selected.map((r) => r[0]), ['fake-2']);
  const one = rows(await kubectlOk(api.kubeconfig, ['top', 'node', 'fake-1']));
  assert.deepEqual(one.map((r) => r[0]), ['fake-1']);
});

test('kubectl top pods -A, --containers and -l', async () => {
  const all = rows(await kubectlOk(api.kubeconfig, ['top', 'pods', '-A']));
  assert.deepEqual(all.map((r) => `${r[0]}/${r[1]}`), ['default/db', 'default/web', 'team/batch']);
  const web = all.find((r) => r[1] === 'web')!;
  near(Number(web[2].replace(/m$/, '')), 350, 'web millicores');
  assert.equal(web[3], '220Mi');

  const containers = rows(await kubectlOk(api.kubeconfig, ['top', 'pod', 'web', '--containers']));
  assert.deepEqual(containers.map((r) => [r[0], r[1], r[3]]), [
    ['web', 'app', '200Mi'],
    ['web', 'sidecar', '20Mi'],
  ]);
  near(Number(containers[1][2].replace(/m$/, '')), 100, 'sidecar millicores');

  const labelled = rows(await kubectlOk(api.kubeconfig, ['top', 'pods', '-l', 'app=web']));
  assert.deepEqual(labelled.map((r) => r[0]), ['web'], 'the Pending pod with the same label has no metrics');
  const team = rows(await kubectlOk(api.kubeconfig, ['top', 'pods', '-n', 'team']));
  assert.deepEqual(team.map((r) => r[0]), ['batch']);

  // kubectl get asks for a Table: metrics-server's columns
  const table = await kubectlOk(api.kubeconfig, ['get', 'podmetrics', '-n', 'default']);
  assert.match(table.split('\n')[0], /^NAME\s+CPU\s+MEMORY\s+WINDOW/);
  assert.deepEqual(rows(table).map((r) => [r[0], r[2]]), [
    ['db', '300Mi'],
    ['web', '220Mi'],
  ]);
});

test('a pod without metrics is NotFound, as metrics-server answers', async () => {
  const r = await kubectl(api.kubeconfig, ['top', 'pod', 'pending']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /podmetrics\.metrics\.k8s\.io "default\/pending" not found/);
  const raw = await client.request('GET', '/apis/metrics.k8s.io/v1beta1/nodes/nope');
  assert.equal(raw.status, 404);
  assert.equal(raw.json().message, 'nodemetrics.metrics.k8s.io "nope" not found');
});

test('the metrics resources are authorized like any other: a user without rights gets 403', async () => {
  const bob = new TestClient({ ...client.creds, cert: undefined, key: undefined, token: 'bobtoken' });
  try {
    const r = await bob.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(r.status, 403);
    assert.equal(r.json().message, 'pods.metrics.k8s.io is forbidden: User "bob" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default"');
    const groups = await bob.request('GET', '/apis');
    assert.ok(groups.json().groups.some((g: { name: string }) => g.name === 'metrics.k8s.io'), 'discovery is open to every authenticated user');
  } finally {
    bob.agent.destroy();
  }
});

test('a node that goes away stops being scraped and its metrics disappear', async () => {
  await api.clients.nodes.delete('', 'fake-2', {});
  await eventually(async () => {
    const r = await client.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db');
    return r.status === 404;
  }, 10_000, 'default/db gone from PodMetrics');
  const nodes = (await client.request('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).json();
  assert.deepEqual(nodes.items.map((i: KubeObject) => i.metadata.name), ['fake-1']);
  const before = scrapedNodes.length;
  await new Promise((r) => setTimeout(r, 2500));
  const since = scrapedNodes.slice(before);
  assert.ok(since.includes('fake-1'), 'fake-1 is still scraped');
  assert.ok(!since.includes('fake-2'), 'fake-2 is no longer scraped');
});
