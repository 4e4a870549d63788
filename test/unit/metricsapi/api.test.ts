import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { createMetricsApi } from '../../../src/apiserver/metrics/api.ts';
import type { ContainerPoint, MetricsBatch } from '../../../src/apiserver/metrics/decode.ts';
import { apiGroupList, apiResourceList } from '../../../src/apiserver/http/discovery.ts';
import { parseRequestInfo } from '../../../src/apiserver/http/requestinfo.ts';
import { emptyState, store } from '../../../src/apiserver/metrics/storage.ts';
import { fakeResponse, fakeStore, node, pod } from './fakes.ts';

const nodes = fakeStore('nodes', [node('n1', { role: 'worker' }), node('n2', { role: 'control' }), node('silent')]);
const pods = fakeStore('pods', [
  pod('default', 'web', 'n1', { app: 'web' }, 'Running', ['app', 'sidecar']),
  pod('default', 'db', 'n2', { app: 'db' }),
  pod('other', 'job', 'n1', { app: 'job' }),
  pod('default', 'done', 'n1', { app: 'web' }, 'Succeeded'),
]);

function batch(t: number, cpuSeconds: number): MetricsBatch {
  const c = (name: string): ContainerPoint => ({ name, timestampMs: t, cpuNanoSeconds: cpuSeconds * 1e9, memoryBytes: 1 << 20, startTimeMs: 1 });
  const podPoints = (...names: string[]) => new Map(names.map((n) => [n, c(n)]));
  return {
    nodes: new Map([
      ['n1', { timestampMs: t, cpuNanoSeconds: cpuSeconds * 2e9, memoryBytes: 1 << 30 }],
      ['n2', { timestampMs: t, cpuNanoSeconds: cpuSeconds * 1e9, memoryBytes: 1 << 29 }],
    ]),
    pods: new Map([
      ['default/web', podPoints('app', 'sidecar')],
      ['default/db', podPoints('db')],
      ['other/job', podPoints('job')],
      ['default/done', podPoints('app')],
    ]),
  };
}

const state = store(store(emptyState(), batch(1_700_000_000_000, 10), 15_000), batch(1_700_000_015_000, 13), 15_000);
const api = createMetricsApi({ nodes, pods, state: () => state, now: () => new Date('2026-01-01T00:00:00Z') });

async function call(path: string, accept = 'application/json') {
  const url = new URL(path, 'https://x');
  const res = fakeResponse();
  await api({ headers: { accept } } as IncomingMessage, res, parseRequestInfo('GET', url.pathname, url.searchParams), url.searchParams);
  return { status: res.status, body: res.body() };
}

test('lists NodeMetrics of nodes with two points, by node labels and metadata.name', async () => {
  const all = await call('/apis/metrics.k8s.io/v1beta1/nodes');
  assert.equal(all.body.kind, 'NodeMetricsList');
  assert.equal(all.body.apiVersion, 'metrics.k8s.io/v1beta1');
  assert.deepEqual(all.body.items.map((i: any) => [i.metadata.name, i.usage.cpu, i.usage.memory, i.window]), [
    ['n1', '400m', '1Gi', '15s'],
    ['n2', '200m', '512Mi', '15s'],
  ]);
  assert.equal(all.body.items[0].timestamp, '2023-11-14T22:13:35Z');
  assert.deepEqual((await call('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=role%3Dcontrol')).body.items.map((i: any) => i.metadata.name), ['n2']);
  assert.deepEqual((await call('/apis/metrics.k8s.io/v1beta1/nodes?fieldSelector=metadata.name%3Dn1')).body.items.map((i: any) => i.metadata.name), ['n1']);
});

test('gets one NodeMetrics; a node without metrics or without existence is NotFound', async () => {
  const one = await call('/apis/metrics.k8s.io/v1beta1/nodes/n1');
  assert.equal(one.body.kind, 'NodeMetrics');
  assert.equal(one.body.metadata.name, 'n1');
  await assert.rejects(call('/apis/metrics.k8s.io/v1beta1/nodes/silent'), (e: any) => e.code === 404 && e.message === 'nodemetrics.metrics.k8s.io "silent" not found');
  await assert.rejects(call('/apis/metrics.k8s.io/v1beta1/nodes/nope'), (e: any) => e.code === 404 && e.reason === 'NotFound');
});

test('lists PodMetrics of running pods, per namespace or across all, with label and field selectors', async () => {
  const all = await call('/apis/metrics.k8s.io/v1beta1/pods');
  assert.equal(all.body.kind, 'PodMetricsList');
  assert.deepEqual(all.body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`).sort(), ['default/db', 'default/web', 'other/job']);
  const ns = await call('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb');
  assert.deepEqual(ns.body.items.map((i: any) => i.metadata.name), ['web']);
  assert.deepEqual(ns.body.items[0].containers, [
    { name: 'app', usage: { cpu: '200m', memory: '1Mi' } },
    { name: 'sidecar', usage: { cpu: '200m', memory: '1Mi' } },
  ]);
  assert.deepEqual(ns.body.items[0].metadata.labels, { app: 'web' });
  const byName = await call('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=metadata.name%3Ddb');
  assert.deepEqual(byName.body.items.map((i: any) => i.metadata.name), ['db']);
  await assert.rejects(call('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dn1'), (e: any) => e.code === 400 && /field label not supported: spec.nodeName/.test(e.message));
});

test('gets one PodMetrics; a pod that is not running or not there is NotFound', async () => {
  const one = await call('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web');
  assert.equal(one.body.kind, 'PodMetrics');
  assert.equal(one.body.window, '15s');
  await assert.rejects(call('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/done'), (e: any) => e.message === 'podmetrics.metrics.k8s.io "default/done" not found');
  await assert.rejects(call('/apis/metrics.k8s.io/v1beta1/namespaces/other/pods/web'), (e: any) => e.message === 'podmetrics.metrics.k8s.io "other/web" not found');
});

test('only get and list; a Table when asked for one', async () => {
  const url = new URL('https://x/apis/metrics.k8s.io/v1beta1/nodes?watch=true');
  await assert.rejects(api({ headers: {} } as IncomingMessage, fakeResponse(), parseRequestInfo('GET', url.pathname, url.searchParams), url.searchParams), (e: any) => e.code === 405);
  await assert.rejects(api({ headers: {} } as IncomingMessage, fakeResponse(), parseRequestInfo('DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/n1', new URLSearchParams()), new URLSearchParams()), (e: any) => e.code === 405);
  await assert.rejects(call('/apis/metrics.k8s.io/v1beta1/widgets'), (e: any) => e.code === 404);
  const table = await call('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(table.body.kind, 'Table');
  assert.deepEqual(table.body.rows.map((r: any) => r.cells), [
    ['db', '200m', '1Mi', '15s'],
    ['web', '400m', '2Mi', '15s'],
  ]);
});

test('discovery lists metrics.k8s.io/v1beta1 with nodes and pods', () => {
  const groups = (apiGroupList() as any).groups;
  const metrics = groups.find((g: any) => g.name === 'metrics.k8s.io');
  assert.deepEqual(metrics.preferredVersion, { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' });
  const list = apiResourceList('metrics.k8s.io', 'v1beta1') as any;
  assert.deepEqual(
    list.resources.map((r: any) => [r.name, r.kind, r.namespaced, r.verbs]),
    [
      ['nodes', 'NodeMetrics', false, ['get', 'list']],
      ['pods', 'PodMetrics', true, ['get', 'list']],
    ],
  );
});
