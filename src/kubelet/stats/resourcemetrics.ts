// /metrics/resource: the node's, pods' and containers' CPU and memory as upstream's kubelet
// serves them to metrics-server (and to Berth's own Metrics API), each sample stamped with the
// time it was read so that a scraper derives CPU rates from the kubelet's own clock.
import type { ContainerRef, ContainerStats } from '../cadvisor/types.ts';
import { MetricFamilies } from '../metrics/promtext.ts';

export interface StatsView {
  refs(): ContainerRef[];
  latest(id: string): ContainerStats | undefined;
}

const cpuSeconds = (s: ContainerStats) => s.cpu.usageCoreNanoSeconds / 1e9;

export function renderResourceMetrics(view: StatsView, scrapeError = false): string {
  const m = new MetricFamilies()
    .family('container_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the container in core-seconds')
    .family('container_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the container in bytes')
    .family('container_start_time_seconds', 'gauge', '[STABLE] Start time of the container since unix epoch in seconds')
    .family('node_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the node in core-seconds')
    .family('node_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the node in bytes')
    .family('pod_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds')
    .family('pod_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the pod in bytes')
    .family('resource_scrape_error', 'gauge', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise')
    .family('scrape_error', 'gauge', '[ALPHA] 1 if there was an error while getting container metrics, 0 otherwise (deprecated: use resource_scrape_error)');
  const refs = view.refs();
  for (const r of refs) {
    if (!r.podUid || !r.name) continue;
    const s = view.latest(r.id);
    if (!s) continue;
    const labels = { container: r.name, namespace: r.namespace ?? '', pod: r.pod ?? '' };
    const t = s.timestamp.getTime();
    m.sample('container_cpu_usage_seconds_total', labels, cpuSeconds(s), t);
    m.sample('container_memory_working_set_bytes', labels, s.memory.workingSetBytes, t);
    if (r.createdAt) m.sample('container_start_time_seconds', labels, r.createdAt.getTime() / 1000, r.createdAt.getTime());
  }
  const node = view.latest('/');
  if (node) {
    m.sample('node_cpu_usage_seconds_total', {}, cpuSeconds(node), node.timestamp.getTime());
    m.sample('node_memory_working_set_bytes', {}, node.memory.workingSetBytes, node.timestamp.getTime());
  }
  for (const r of refs) {
    if (!r.podUid || r.name) continue;
    const s = view.latest(r.id);
    if (!s) continue;
    const labels = { namespace: r.namespace ?? '', pod: r.pod ?? '' };
    m.sample('pod_cpu_usage_seconds_total', labels, cpuSeconds(s), s.timestamp.getTime());
    m.sample('pod_memory_working_set_bytes', labels, s.memory.workingSetBytes, s.timestamp.getTime());
  }
  m.sample('resource_scrape_error', {}, scrapeError ? 1 : 0);
  m.sample('scrape_error', {}, scrapeError ? 1 : 0);
  return m.render();
}
