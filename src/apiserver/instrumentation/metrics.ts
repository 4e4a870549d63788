// The API server's own /metrics, named, labelled and bucketed as upstream's
// k8s.io/apiserver/pkg/endpoints/metrics and storage metrics, on one Registry per server
// (tests run several servers in one process, so never prom-client's global registry).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Upstream's requestLatencies and etcd request buckets. */
export const REQUEST_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const stable = (help: string) => `[STABLE] ${help}`;
const alpha = (help: string) => `[ALPHA] ${help}`;

/** What a finished or long-running request is counted under (upstream's label set). */
export interface RequestLabels {
  verb: string;
  dry_run: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: 'apiserver';
}

export type RequestKind = 'mutating' | 'readOnly';

/** prom-client defaults that promtool rejects (gauges named *_total), as the kubelet leaves them out. */
const lintFailingDefaults = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const requestLabelNames = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export interface ApiServerMetricsOptions {
  /** Objects per resource ("pods", "leases.coordination.k8s.io"), read at each scrape. */
  storageObjects: () => Map<string, number>;
  /** The process's own process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
}

export class ApiServerMetrics {
  readonly registry = new Registry();
  readonly contentType: string = this.registry.contentType;
  private readonly registers = [this.registry];

  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: stable('Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.'),
    labelNames: [...requestLabelNames, 'code'],
    registers: this.registers,
  });
  readonly requestDuration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: stable('Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.'),
    labelNames: requestLabelNames,
    buckets: REQUEST_BUCKETS,
    registers: this.registers,
  });
  readonly inflight = new Gauge({
    name: 'apiserver_current_inflight_requests',
    help: stable('Maximal number of currently used inflight request limit of this apiserver per request kind in last second.'),
    labelNames: ['request_kind'],
    registers: this.registers,
  });
  readonly longRunning = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: stable('Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.'),
    labelNames: requestLabelNames,
    registers: this.registers,
  });
  readonly watchers = new Gauge({
    name: 'apiserver_registered_watchers',
    help: alpha('Number of currently registered watchers for a given resources'),
    labelNames: ['group', 'version', 'kind'],
    registers: this.registers,
  });
  readonly storageRequests = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: alpha('Etcd request latency in seconds for each operation and object type.'),
    labelNames: ['operation', 'type'],
    buckets: REQUEST_BUCKETS,
    registers: this.registers,
  });

  constructor(o: ApiServerMetricsOptions) {
    new Gauge({
      name: 'apiserver_storage_objects',
      help: stable('Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.'),
      labelNames: ['resource'],
      registers: this.registers,
      collect() {
        this.reset();
        for (const [resource, n] of o.storageObjects()) this.set({ resource }, n);
      },
    });
    for (const kind of ['mutating', 'readOnly'] as const) this.inflight.set({ request_kind: kind }, 0);
    if (o.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
      for (const name of lintFailingDefaults) this.registry.removeSingleMetric(name);
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts a finished request; long-running ones (watches) count here too when they end. */
  observeRequest(labels: RequestLabels, code: number, seconds: number): void {
    this.requests.inc({ ...labels, code: String(code) });
    this.requestDuration.observe(labels, seconds);
  }

  /** A request that is not long-running is in flight until the returned function runs. */
  startInflight(kind: RequestKind): () => void {
    this.inflight.inc({ request_kind: kind });
    return () => this.inflight.dec({ request_kind: kind });
  }

  /** A long-running request (a watch, a proxied stream) until the returned function runs. */
  startLongRunning(labels: RequestLabels): () => void {
    this.longRunning.inc(labels);
    return () => this.longRunning.dec(labels);
  }

  /** A watcher of one kind until the returned function runs. */
  startWatcher(gvk: { group: string; version: string; kind: string }): () => void {
    this.watchers.inc(gvk);
    return () => this.watchers.dec(gvk);
  }

  observeStorage(operation: string, type: string, seconds: number): void {
    this.storageRequests.observe({ operation, type }, seconds);
  }
}
