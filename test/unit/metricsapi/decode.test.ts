import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeResourceMetrics } from '../../../src/apiserver/metrics/decode.ts';

const exposition = (lines: string[]) => lines.join('\n') + '\n';

test('a kubelet exposition becomes a node point and per-container points', () => {
  const text = exposition([
    '# TYPE container_cpu_usage_seconds_total counter',
    'container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 2.5 1700000010000',
    'container_cpu_usage_seconds_total{container="side",namespace="default",pod="web"} 0.25 1700000010100',
    'container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 1048576 1700000010000',
    'container_memory_working_set_bytes{container="side",namespace="default",pod="web"} 4096 1700000010100',
    'container_start_time_seconds{container="app",namespace="default",pod="web"} 1.7e+09 1700000000000',
    'container_start_time_seconds{container="side",namespace="default",pod="web"} 1.6999999995e+09 1699999999500',
    'node_cpu_usage_seconds_total 100.5 1700000009000',
    'node_memory_working_set_bytes 2.147483648e+09 1700000009000',
    'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 2.75 1700000010000',
    'scrape_error 0',
  ]);
  const batch = decodeResourceMetrics(text, 'n1', 1);
  assert.deepEqual(batch.nodes.get('n1'), { timestampMs: 1700000009000, cpuNanoSeconds: 100_500_000_000, memoryBytes: 2147483648 });
  const web = batch.pods.get('default/web')!;
  assert.deepEqual(web.get('app'), { name: 'app', timestampMs: 1700000010000, cpuNanoSeconds: 2_500_000_000, memoryBytes: 1048576, startTimeMs: 1700000000000 });
  assert.equal(web.get('side')!.startTimeMs, 1699999999500);
  assert.equal(web.size, 2);
});

test('samples without a timestamp take the scrape time', () => {
  const batch = decodeResourceMetrics('node_cpu_usage_seconds_total 1\nnode_memory_working_set_bytes 2\n', 'n1', 42);
  assert.equal(batch.nodes.get('n1')!.timestampMs, 42);
});

test('an incomplete node or pod is left out, as metrics-server leaves it', () => {
  const text = exposition([
    'node_cpu_usage_seconds_total 0 1000',
    'node_memory_working_set_bytes 5 1000',
    // starting: memory but no CPU yet — the whole pod waits
    'container_memory_working_set_bytes{container="a",namespace="ns",pod="p"} 10 1000',
    'container_cpu_usage_seconds_total{container="b",namespace="ns",pod="p"} 1 1000',
    'container_memory_working_set_bytes{container="b",namespace="ns",pod="p"} 10 1000',
    'container_cpu_usage_seconds_total{container="c",namespace="ns",pod="q"} 1 1000',
    'container_memory_working_set_bytes{container="c",namespace="ns",pod="q"} 10 1000',
  ]);
  const batch = decodeResourceMetrics(text, 'n1', 1);
  assert.equal(batch.nodes.size, 0);
  assert.deepEqual([...batch.pods.keys()], ['ns/q']);
});
