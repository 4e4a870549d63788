// Assembles the API server: storage, watch caches, stores with their strategies and
// admission, authentication and authorization, the HTTPS listener, and the controllers.
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isStatusError } from '../api/errors.ts';
import { protectSystemNamespaces, namespaceExistsHook, systemNamespaces } from './admission/namespace_lifecycle.ts';
import { createAuthenticator } from './auth/authn.ts';
import { createAuthorizer } from './auth/authz.ts';
import { ensureAdminKubeconfig } from './auth/kubeconfig.ts';
import { createNodeRestriction } from './auth/node_restriction.ts';
import { ensurePki } from '../pki/pki.ts';
import { createApiHandler, storeKey } from './http/server.ts';
import type { Clientset } from './client.ts';
import { clientset } from './registry/clientset.ts';
import { allStores, createRegistry, startRegistry } from './registry/registry.ts';
import { findResource, resources, type ResourceInfo } from './registry/resources.ts';
import { resourcePrefix } from './registry/keys.ts';
import type { HealthCheck } from './http/health.ts';
import { ApiServerMetrics } from './instrumentation/metrics.ts';
import { instrumentRequests } from './instrumentation/requests.ts';
import { instrumentStorage, keyTypes } from './instrumentation/storage.ts';
import type { Store } from './registry/store.ts';
import { openStorage } from './storage/index.ts';
import type { Storage } from './storage/interface.ts';
import { createSubresourceHandlers } from './subresources.ts';
import { createKubeletProxy } from './kubeletproxy.ts';
import { createKubeletStreamer } from './kubeletstream.ts';
import { serveUpgrades } from '../api/httpupgrade.ts';
import { startMetricsApi } from './metrics/index.ts';
import { installAdmission } from './admission/install.ts';
import { runNamespaceController } from '../controllers/namespace/controller.ts';
import { runServiceAccountController } from '../controllers/serviceaccount/controller.ts';
import { runScheduler } from '../controllers/scheduler/scheduler.ts';
import { runNodeLifecycleController } from '../controllers/nodelifecycle/controller.ts';
import { addNotReadyTaintOnCreate } from '../controllers/nodelifecycle/taints.ts';
import { runEndpointsController } from '../controllers/endpoints/controller.ts';
import { runEndpointSliceController } from '../controllers/endpointslice/controller.ts';
import { runDisruptionController } from '../controllers/disruption/controller.ts';

export interface ApiServerOptions {
  dataDir: string;
  bindAddress: string;
  securePort: number;
  storage: 'sqlite' | 'etcd';
  etcdServers: string[];
  etcdPrefix: string;
  /** Storage compaction period, either backend (kube-apiserver's --etcd-compaction-interval): default 5 minutes, 0 disables. */
  etcdCompactionIntervalMs?: number;
  tokenAuthFile?: string;
  /** Node lifecycle controller: how often nodes are checked, and how long one may be silent. */
  nodeMonitorPeriodMs?: number;
  nodeMonitorGracePeriodMs?: number;
  /** Events each watch cache keeps for resuming watches (default 10,000). */
  watchCacheHistory?: number;
  /** Extra names and addresses for the serving certificate. */
  hosts?: string[];
  /** How often the Metrics API scrapes every kubelet's /metrics/resource (default 15 s). */
  metricResolutionMs?: number;
  log?: (msg: string) => void;
}

export interface ApiServer {
  /** https://host:port as clients should reach it. */
  url: string;
  port: number;
  caPem: string;
  /** Every stored resource, as in-process components see them. */
  clients: Clientset;
  storage: Storage;
  close(): Promise<void>;
}

/** Objects per resource for apiserver_storage_objects, named as upstream ("pods", "leases.coordination.k8s.io"). */
function storageObjects(stores: Iterable<Store>): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of stores) out.set(qualifiedResource(s.info), s.cache.list().items.length);
  return out;
}

function qualifiedResource(r: ResourceInfo): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** The resource each storage key belongs to, for etcd_request_duration_seconds' type label. */
function storageTypes(): (key: string) => string {
  return keyTypes(new Map(resources.map((r) => [resourcePrefix(r), qualifiedResource(r)])));
}

/** Upstream's checks: ping, log, etcd (storage answers within 2 s) on every endpoint; shutdown on /readyz. */
function healthChecks(storage: Storage, lifetime: AbortSignal): HealthCheck[] {
  const all = ['healthz', 'livez', 'readyz'] as const;
  return [
    { name: 'ping', endpoints: all, check: () => {} },
    { name: 'log', endpoints: all, check: () => {} },
    { name: 'etcd', endpoints: all, check: () => withTimeout(storage.currentRevision(), 2000, 'storage did not answer within 2s') },
    { name: 'informer-sync', endpoints: ['readyz'], check: () => {} },
    {
      name: 'shutdown',
      endpoints: ['readyz'],
      check: () => {
        if (lifetime.aborted) throw new Error('process is shutting down');
      },
    },
  ];
}

async function withTimeout(p: Promise<unknown>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function listenAddress(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
}

async function bootstrapNamespaces(clients: Clientset): Promise<void> {
  for (const name of systemNamespaces) {
    try {
      await clients.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!isStatusError(e, 'AlreadyExists')) throw e;
    }
  }
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const log = o.log ?? ((m: string) => console.error(m));
  const lifetime = new AbortController();
  // Every watch cache and controller listens on this one signal.
  setMaxListeners(0, lifetime.signal);
  await mkdir(o.dataDir, { recursive: true });
  const address = listenAddress(o.bindAddress);
  const pki = await ensurePki(join(o.dataDir, 'pki'), { hosts: [...new Set([address, o.bindAddress, 'localhost', '127.0.0.1', hostname(), ...(o.hosts ?? [])])] });
  const rawStorage = await openStorage({
    kind: o.storage,
    file: join(o.dataDir, 'berth.db'),
    etcdServers: o.etcdServers,
    etcdPrefix: o.etcdPrefix,
    compactionIntervalMs: o.etcdCompactionIntervalMs,
    onCompactionError: (err) => log(`storage compaction (${o.storage}): ${err instanceof Error ? err.message : String(err)}`),
  });
  let stores = new Map<string, Store>();
  const ownMetrics = new ApiServerMetrics({ storageObjects: () => storageObjects(stores.values()) });
  const storage = instrumentStorage(rawStorage, (op, type, s) => ownMetrics.observeStorage(op, type, s), storageTypes());

  const registry = createRegistry(storage, { watchCacheHistory: o.watchCacheHistory, log });
  await startRegistry(registry, lifetime.signal);
  stores = new Map<string, Store>(allStores(registry).map((s) => [storeKey(s.info.group, s.info.resource), s]));
  const clients = clientset(registry);

  const { namespaces, pods, nodes } = registry;
  namespaces.hooks.push(protectSystemNamespaces);
  for (const s of allStores(registry)) if (s.info.namespaced) s.hooks.push(namespaceExistsHook(clients.namespaces, s.info));
  installAdmission(registry);
  nodes.hooks.push({ beforeCreate: addNotReadyTaintOnCreate });
  await bootstrapNamespaces(clients);

  const nodeGraph = { podsOnNode: (node: string) => pods.cache.list({ index: { name: 'spec.nodeName', value: node } }).items };
  const authenticator = createAuthenticator({
    clientCaPem: pki.caCertPem,
    tokenAuthFile: o.tokenAuthFile,
    serviceAccountPublicKeyPem: pki.saPublicKeyPem,
    lookupServiceAccount: (ns: string, name: string) => {
      const sa = clients.serviceAccounts.cache.get(ns, name);
      return sa ? { uid: sa.metadata.uid! } : undefined;
    },
  });
  const authorizer = createAuthorizer({ nodeGraph });
  const metrics = startMetricsApi({
    nodes: clients.nodes,
    pods: clients.pods,
    caPem: pki.caCertPem,
    clientCertPem: pki.kubeletClientCertPem,
    clientKeyPem: pki.kubeletClientKeyPem,
    resolutionMs: o.metricResolutionMs,
    signal: lifetime.signal,
    log,
  });

  const kubelets = { pods: clients.pods, nodes: clients.nodes, caPem: pki.caCertPem, clientCertPem: pki.kubeletClientCertPem, clientKeyPem: pki.kubeletClientKeyPem };
  const handler = instrumentRequests(ownMetrics, (g, v, r) => findResource(g, v, r)?.kind, createApiHandler({
    stores,
    authenticator,
    authorizer,
    admit: createNodeRestriction({
      getPod: (ns: string, name: string) => clients.pods.cache.get(ns, name),
      getNode: (name: string) => clients.nodes.cache.get('', name),
    }),
    subresources: {
      ...createSubresourceHandlers({ pods, podDisruptionBudgets: registry.podDisruptionBudgets, serviceAccounts: registry.serviceAccounts, authenticator, authorizer, pki }),
      proxy: createKubeletProxy(kubelets),
      stream: createKubeletStreamer(kubelets),
    },
    health: healthChecks(storage, lifetime.signal),
    ownMetrics,
    metrics: metrics.handler,
    serverAddress: () => `${address}:${(server.address() as { port: number } | null)?.port ?? o.securePort}`,
  }));
  const server: Server = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false }, handler);
  // exec and attach arrive as upgrades: through the same authentication, authorization and routes.
  serveUpgrades(server, handler);
  // Watches are long-lived; let them live as long as they like.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.securePort, o.bindAddress, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = `https://${address.includes(':') ? `[${address}]` : address}:${port}`;
  await ensureAdminKubeconfig(o.dataDir, pki, url);

  runControllers(clients, pki.caCertPem, o, lifetime.signal, log);

  return {
    url,
    port,
    caPem: pki.caCertPem,
    clients,
    storage,
    close: async () => {
      lifetime.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
    },
  };
}

/** The control plane's controllers, each running until the signal aborts. */
function runControllers(clients: ReturnType<typeof clientset>, caPem: string, o: ApiServerOptions, signal: AbortSignal, log: (m: string) => void): void {
  runNamespaceController({ namespaces: clients.namespaces, contents: clients.namespaced, signal, log });
  runScheduler({ pods: clients.pods, nodes: clients.nodes, events: clients.events, signal, log });
  runNodeLifecycleController({
    nodes: clients.nodes,
    leases: clients.leases,
    signal,
    monitorPeriodMs: o.nodeMonitorPeriodMs,
    gracePeriodMs: o.nodeMonitorGracePeriodMs,
    log,
  });
  runEndpointsController({ services: clients.services, pods: clients.pods, endpoints: clients.endpoints, signal, log });
  runEndpointSliceController({
    services: clients.services,
    pods: clients.pods,
    endpointSlices: clients.endpointSlices,
    nodes: clients.nodes,
    signal,
    log,
  });
  runDisruptionController({ podDisruptionBudgets: clients.podDisruptionBudgets, pods: clients.pods, signal, log });
  runServiceAccountController({
    namespaces: clients.namespaces,
    serviceAccounts: clients.serviceAccounts,
    configMaps: clients.configMaps,
    caPem,
    signal,
    log,
  });
}

export type { ResourceInfo };
