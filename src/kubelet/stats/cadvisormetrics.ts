// /metrics/cadvisor: the series cAdvisor's Prometheus exporter writes, with its labels
// (container, id, image, name, namespace, pod), for the node's root cgroup, /kubepods, each pod
// cgroup and each container, from the latest sample of each.
import type { CadvisorMachineInfo } from '../cadvisor/machine.ts';
import type { ContainerRef, ContainerStats } from '../cadvisor/types.ts';
import { MetricFamilies, type Labels } from '../metrics/promtext.ts';
import type { StatsView } from './resourcemetrics.ts';

type Family = [name: string, type: 'counter' | 'gauge', help: string];
const FAMILIES: Family[] = [
  ['container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.'],
  ['container_cpu_user_seconds_total', 'counter', 'Cumulative user cpu time consumed in seconds.'],
  ['container_cpu_system_seconds_total', 'counter', 'Cumulative system cpu time consumed in seconds.'],
  ['container_cpu_cfs_periods_total', 'counter', 'Number of elapsed enforcement period intervals.'],
  ['container_cpu_cfs_throttled_periods_total', 'counter', 'Number of throttled period intervals.'],
  ['container_cpu_cfs_throttled_seconds_total', 'counter', 'Total time duration the container has been throttled.'],
  ['container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed'],
  ['container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.'],
  ['container_memory_rss', 'gauge', 'Size of RSS in bytes.'],
  ['container_memory_cache', 'gauge', 'Number of bytes of page cache memory.'],
  ['container_memory_failures_total', 'counter', 'Cumulative count of memory allocation failures.'],
  ['container_oom_events_total', 'counter', 'Count of out of memory events observed for the container'],
  ['container_spec_memory_limit_bytes', 'gauge', 'Memory limit for the container.'],
  ['container_network_receive_bytes_total', 'counter', 'Cumulative count of bytes received'],
  ['container_network_receive_packets_total', 'counter', 'Cumulative count of packets received'],
  ['container_network_receive_errors_total', 'counter', 'Cumulative count of errors encountered while receiving'],
  ['container_network_receive_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while receiving'],
  ['container_network_transmit_bytes_total', 'counter', 'Cumulative count of bytes transmitted'],
  ['container_network_transmit_packets_total', 'counter', 'Cumulative count of packets transmitted'],
  ['container_network_transmit_errors_total', 'counter', 'Cumulative count of errors encountered while transmitting'],
  ['container_network_transmit_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while transmitting'],
  ['container_fs_usage_bytes', 'gauge', 'Number of bytes that are consumed by the container on this filesystem.'],
  ['container_processes', 'gauge', 'Number of processes running inside the container.'],
  ['container_threads', 'gauge', 'Number of threads running inside the container'],
  ['container_last_seen', 'gauge', 'Last time a container was seen by the exporter'],
  ['container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.'],
  ['machine_cpu_cores', 'gauge', 'Number of logical CPU cores.'],
  ['machine_memory_bytes', 'gauge', 'Amount of memory installed on the machine.'],
];

/** cAdvisor's label set: empty strings where a level has no such thing (the root, a pod cgroup). */
export function cadvisorLabels(r: ContainerRef): Labels {
  const isContainer = !!(r.podUid && r.name);
  return {
    container: isContainer ? r.name! : '',
    id: r.cgroupPath,
    image: isContainer ? (r.image ?? '') : '',
    name: isContainer ? r.id : '',
    namespace: r.namespace ?? '',
    pod: r.pod ?? '',
  };
}

function writeRef(m: MetricFamilies, r: ContainerRef, s: ContainerStats): void {
  const l = cadvisorLabels(r);
  const t = s.timestamp.getTime();
  const put = (name: string, v: number, extra?: Labels) => m.sample(name, extra ? { ...l, ...extra } : l, v, t);
  put('container_cpu_usage_seconds_total', s.cpu.usageCoreNanoSeconds / 1e9);
  put('container_cpu_user_seconds_total', s.cpu.userNanoSeconds / 1e9);
  put('container_cpu_system_seconds_total', s.cpu.systemNanoSeconds / 1e9);
  if (s.cpu.throttling.periods > 0) {
    put('container_cpu_cfs_periods_total', s.cpu.throttling.periods);
    put('container_cpu_cfs_throttled_periods_total', s.cpu.throttling.throttledPeriods);
    put('container_cpu_cfs_throttled_seconds_total', s.cpu.throttling.throttledTimeNanoSeconds / 1e9);
  }
  put('container_memory_usage_bytes', s.memory.usageBytes);
  put('container_memory_working_set_bytes', s.memory.workingSetBytes);
  put('container_memory_rss', s.memory.rssBytes);
  put('container_memory_cache', s.memory.cacheBytes);
  put('container_memory_failures_total', s.memory.pageFaults, { failure_type: 'pgfault', scope: 'container' });
  put('container_memory_failures_total', s.memory.majorPageFaults, { failure_type: 'pgmajfault', scope: 'container' });
  put('container_oom_events_total', s.memory.oomEvents);
  put('container_spec_memory_limit_bytes', s.memory.limitBytes ?? 0);
  // Containers share their pod's network namespace: cAdvisor reports it on the pod (and the root).
  if (s.network && !r.name) {
    for (const i of s.network.interfaces) {
      const x = { interface: i.name };
      put('container_network_receive_bytes_total', i.rxBytes, x);
      put('container_network_receive_packets_total', i.rxPackets, x);
      put('container_network_receive_errors_total', i.rxErrors, x);
      put('container_network_receive_packets_dropped_total', i.rxDropped, x);
      put('container_network_transmit_bytes_total', i.txBytes, x);
      put('container_network_transmit_packets_total', i.txPackets, x);
      put('container_network_transmit_errors_total', i.txErrors, x);
      put('container_network_transmit_packets_dropped_total', i.txDropped, x);
    }
  }
  const fs = s.fs;
  if (fs?.rootfs || fs?.usage) {
    const used = (fs.rootfs?.usedBytes ?? 0) + (fs.usage?.usedBytes ?? 0);
    put('container_fs_usage_bytes', used, { device: '' });
  }
  put('container_processes', s.processes.count);
  put('container_threads', s.processes.threads);
  put('container_last_seen', Math.floor(t / 1000));
  if (r.createdAt) put('container_start_time_seconds', r.createdAt.getTime() / 1000);
}

export function renderCadvisorMetrics(view: StatsView, machine: Pick<CadvisorMachineInfo, 'numCores' | 'memoryCapacityBytes'>): string {
  const m = new MetricFamilies();
  for (const [name, type, help] of FAMILIES) m.family(name, type, help);
  for (const r of view.refs()) {
    const s = view.latest(r.id);
    if (s) writeRef(m, r, s);
  }
  m.sample('machine_cpu_cores', {}, machine.numCores);
  m.sample('machine_memory_bytes', {}, machine.memoryCapacityBytes);
  return m.render();
}
