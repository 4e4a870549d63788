import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/api/object.ts';
import { createMetricsScraper } from '../../../src/apiserver/metrics/scraper.ts';
import { nodeUsage, podUsage } from '../../../src/apiserver/metrics/storage.ts';
import { fakeStore, node, pod } from './fakes.ts';

/** A kubelet exposition at time t (ms): node CPU grows 1 core, each container 0.25 core. */
function exposition(nodeName: string, t: number, pods: Array<[string, string]>): string {
  const lines = [`node_cpu_usage_seconds_total ${t / 1000} ${t}`, `node_memory_working_set_bytes ${1 << 30} ${t}`];
  for (const [ns, name] of pods) {
    const l = `{container="app",namespace="${ns}",pod="${name}"}`;
    lines.push(`container_cpu_usage_seconds_total${l} ${t / 4000} ${t}`, `container_memory_working_set_bytes${l} ${1 << 20} ${t}`, `container_start_time_seconds${l} 1 1000`);
  }
  lines.push('scrape_error 0');
  return lines.join('\n') + '\n';
}

test('scrapes every node, turning two passes into usage; drops pods the API does not place on that node', async () => {
  let now = 100_000;
  const asked: string[] = [];
  const nodes = fakeStore('nodes', [node('n1'), node('n2')]);
  const pods = fakeStore('pods', [pod('default', 'a', 'n1'), pod('default', 'b', 'n2')]);
  const scraper = createMetricsScraper({
    nodes,
    pods,
    resolutionMs: 15_000,
    now: () => now,
    random: () => 0,
    getMetrics: async (n: KubeObject) => {
      asked.push(n.metadata.name!);
      // n1 also claims pod b (which runs on n2) and an unknown pod
      return n.metadata.name === 'n1' ? exposition('n1', now, [['default', 'a'], ['default', 'b'], ['default', 'ghost']]) : exposition('n2', now, [['default', 'b']]);
    },
  });
  await scraper.scrape();
  assert.deepEqual(asked.sort(), ['n1', 'n2']);
  assert.equal(nodeUsage(scraper.state(), 'n1'), undefined);
  now += 15_000;
  await scraper.scrape();
  const s = scraper.state();
  assert.deepEqual(nodeUsage(s, 'n1'), { cpuNanoCores: 1_000_000_000, memoryBytes: 1 << 30, timestampMs: 115_000, windowMs: 15_000 });
  assert.equal(podUsage(s, 'default/a')!.containers[0].cpuNanoCores, 250_000_000);
  assert.equal(podUsage(s, 'default/b')!.containers[0].cpuNanoCores, 250_000_000);
  assert.equal(s.pods.last.has('default/ghost'), false);
});

test('a failing or slow kubelet costs only its own node, and is logged once while it keeps failing', async () => {
  let now = 100_000;
  const logs: string[] = [];
  const scraper = createMetricsScraper({
    nodes: fakeStore('nodes', [node('ok'), node('down'), node('slow')]),
    pods: fakeStore('pods', []),
    resolutionMs: 15_000,
    timeoutMs: 50,
    now: () => now,
    random: () => 0,
    log: (m) => logs.push(m),
    getMetrics: (n, signal) => {
      if (n.metadata.name === 'down') return Promise.reject(new Error('connect ECONNREFUSED'));
      if (n.metadata.name === 'slow') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return Promise.resolve(exposition('ok', now, []));
    },
  });
  await scraper.scrape();
  now += 15_000;
  await scraper.scrape();
  assert.ok(nodeUsage(scraper.state(), 'ok'));
  assert.deepEqual(logs.sort(), ['metrics: failed to scrape node down: connect ECONNREFUSED', 'metrics: failed to scrape node slow: timeout after 50ms']);
});

test('with no nodes the kubelet client is never called and old points are dropped', async () => {
  const list: KubeObject[] = [node('n1')];
  let calls = 0;
  let now = 100_000;
  const scraper = createMetricsScraper({
    nodes: fakeStore('nodes', list),
    pods: fakeStore('pods', []),
    resolutionMs: 15_000,
    now: () => now,
    random: () => 0,
    getMetrics: async () => (calls++, exposition('n1', now, [])),
  });
  await scraper.scrape();
  now += 15_000;
  await scraper.scrape();
  assert.ok(nodeUsage(scraper.state(), 'n1'));
  list.length = 0;
  await scraper.scrape();
  await scraper.scrape();
  assert.equal(calls, 2);
  assert.equal(scraper.state().nodes.last.size, 0);
});

test('run() scrapes every resolution and stops when its signal aborts', async () => {
  let calls = 0;
  const scraper = createMetricsScraper({
    nodes: fakeStore('nodes', [node('n1')]),
    pods: fakeStore('pods', []),
    resolutionMs: 20,
    random: () => 0,
    getMetrics: async () => (calls++, exposition('n1', Date.now(), [])),
  });
  const ac = new AbortController();
  const done = scraper.run(ac.signal);
  await new Promise((r) => setTimeout(r, 110));
  ac.abort();
  await done;
  const seen = calls;
  assert.ok(seen >= 3 && seen <= 7, `scraped ${seen} times in 110 ms at a 20 ms resolution`);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, seen, 'no scrapes after abort');
  assert.throws(() => createMetricsScraper({ nodes: fakeStore('nodes', []), pods: fakeStore('pods', []), resolutionMs: 0, getMetrics: async () => '' }), /--metric-resolution must be positive/);
});

test('a node without a kubelet address yet is skipped quietly', async () => {
  const logs: string[] = [];
  let calls = 0;
  const scraper = createMetricsScraper({
    nodes: fakeStore('nodes', [{ metadata: { name: 'new' }, status: {} }]),
    pods: fakeStore('pods', []),
    resolutionMs: 15_000,
    log: (m) => logs.push(m),
    getMetrics: async () => (calls++, ''),
  });
  await scraper.scrape();
  assert.equal(calls, 0);
  assert.deepEqual(logs, []);
});
