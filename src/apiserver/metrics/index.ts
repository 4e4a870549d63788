// The Metrics API (metrics.k8s.io/v1beta1) inside the API server: a scraper of every kubelet's
// /metrics/resource and the REST handler that serves what it keeps, as metrics-server does.
import type { Node, Pod } from '../../api/core/index.ts';
import type { ResourceClient } from '../client.ts';
import { createMetricsApi, type MetricsApiHandler } from './api.ts';
import { createKubeletMetricsClient, createMetricsScraper, type MetricsScraper } from './scraper.ts';

export { metricsGroup, metricsVersion, metricsResources } from './discovery.ts';
export type { MetricsApiHandler } from './api.ts';

/** metrics-server's default --metric-resolution. */
export const defaultMetricResolutionMs = 15_000;

export interface MetricsApiOptions {
  nodes: ResourceClient<Node>;
  pods: ResourceClient<Pod>;
  caPem: string;
  /** The API server's kubelet-client identity. */
  clientCertPem: string;
  clientKeyPem: string;
  resolutionMs?: number;
  signal: AbortSignal;
  log?: (msg: string) => void;
}

/** Starts scraping (until the signal aborts) and returns the handler for metrics.k8s.io requests. */
export function startMetricsApi(o: MetricsApiOptions): { handler: MetricsApiHandler; scraper: MetricsScraper } {
  const scraper = createMetricsScraper({
    nodes: o.nodes,
    pods: o.pods,
    getMetrics: createKubeletMetricsClient({ caPem: o.caPem, clientCertPem: o.clientCertPem, clientKeyPem: o.clientKeyPem, signal: o.signal }),
    resolutionMs: o.resolutionMs ?? defaultMetricResolutionMs,
    log: o.log,
  });
  scraper.run(o.signal).catch((e) => (o.log ?? console.error)(`metrics: scraper stopped: ${(e as Error).message}`));
  return { handler: createMetricsApi({ nodes: o.nodes, pods: o.pods, state: scraper.state }), scraper };
}
