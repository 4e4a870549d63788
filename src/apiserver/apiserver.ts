// Assembles the API server: storage, watch caches, stores with their strategies and
// admission, authentication and authorization, the HTTPS listener, and the controllers.
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/object.ts';
import { isStatusError } from '../api/errors.ts';
import { protectSystemNamespaces, namespaceExistsHook, systemNamespaces } from './admission/namespace_lifecycle.ts';
import { createAuthenticator } from './auth/authn.ts';
import { createAuthorizer } from './auth/authz.ts';
import { ensureAdminKubeconfig } from './auth/kubeconfig.ts';
import { createNodeRestriction } from './auth/node_restriction.ts';
import { ensurePki } from '../pki/pki.ts';
import { createApiHandler, storeKey } from './http/server.ts';
import { resourcePrefix } from './registry/keys.ts';
import { resources, type ResourceInfo } from './registry/resources.ts';
import { Store } from './registry/store.ts';
import { strategyFor, validateObjectMeta } from './registry/strategies/index.ts';
import { openStorage } from './storage/index.ts';
import type { Storage } from './storage/interface.ts';
import { WatchCache } from './storage/watchcache.ts';
import { createSubresourceHandlers } from './subresources.ts';
import { createKubeletProxy } from './kubeletproxy.ts';
import { startMetricsApi } from './metrics/index.ts';
import { installAdmission } from './admission/install.ts';
import { runNamespaceController } from '../controllers/namespace/controller.ts';
import { runServiceAccountController } from '../controllers/serviceaccount/controller.ts';
import { runScheduler } from '../controllers/scheduler/scheduler.ts';
import { runNodeLifecycleController } from '../controllers/nodelifecycle/controller.ts';
import { addNotReadyTaintOnCreate } from '../controllers/nodelifecycle/taints.ts';
import { runEndpointsController } from '../controllers/endpoints/controller.ts';
import { runEndpointSliceController } from '../controllers/endpointslice/controller.ts';

export interface ApiServerOptions {
  dataDir: string;
  bindAddress: string;
  securePort: number;
  storage: 'sqlite' | 'etcd';
  etcdServers: string[];
  etcdPrefix: string;
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
  stores: Map<string, Store>;
  storage: Storage;
  store(group: string, resource: string): Store;
  close(): Promise<void>;
}

function listenAddress(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
}

async function bootstrapNamespaces(namespaces: Store): Promise<void> {
  for (const name of systemNamespaces) {
    try {
      await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
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
  const storage = await openStorage({ kind: o.storage, file: join(o.dataDir, 'berth.db'), etcdServers: o.etcdServers, etcdPrefix: o.etcdPrefix });

  const stores = new Map<string, Store>();
  const stored = resources.filter((r) => !r.virtual);
  for (const info of stored) {
    const cache = new WatchCache({
      storage,
      prefix: resourcePrefix(info),
      decode: Store.decode,
      historySize: o.watchCacheHistory,
      indexes: info.resource === 'pods' ? { 'spec.nodeName': (p: KubeObject) => p.spec?.nodeName } : undefined,
    });
    const validateMeta = (obj: KubeObject) => validateObjectMeta(obj, { namespaced: info.namespaced, resource: info.resource });
    stores.set(storeKey(info.group, info.resource), new Store(info, strategyFor(info.group, info.resource), storage, cache, validateMeta));
  }
  await Promise.all([...stores.values()].map((s) => s.cache.start(lifetime.signal)));
  const store = (group: string, resource: string) => stores.get(storeKey(group, resource))!;

  const namespaces = store('', 'namespaces');
  namespaces.hooks.push(protectSystemNamespaces);
  for (const s of stores.values()) if (s.info.namespaced) s.hooks.push(namespaceExistsHook(namespaces, s));
  installAdmission(store);
  store('', 'nodes').hooks.push({ beforeCreate: addNotReadyTaintOnCreate });
  await bootstrapNamespaces(namespaces);

  const pods = store('', 'pods');
  const nodeGraph = { podsOnNode: (node: string) => pods.cache.list({ index: { name: 'spec.nodeName', value: node } }).items };
  const serviceAccounts = store('', 'serviceaccounts');
  const authenticator = createAuthenticator({
    clientCaPem: pki.caCertPem,
    tokenAuthFile: o.tokenAuthFile,
    serviceAccountPublicKeyPem: pki.saPublicKeyPem,
    lookupServiceAccount: (ns: string, name: string) => {
      const sa = serviceAccounts.cache.get(`/serviceaccounts/${ns}/${name}`);
      return sa ? { uid: sa.metadata.uid! } : undefined;
    },
  });
  const authorizer = createAuthorizer({ nodeGraph });
  const metrics = startMetricsApi({
    nodes: store('', 'nodes'),
    pods,
    caPem: pki.caCertPem,
    clientCertPem: pki.kubeletClientCertPem,
    clientKeyPem: pki.kubeletClientKeyPem,
    resolutionMs: o.metricResolutionMs,
    signal: lifetime.signal,
    log,
  });

  const server: Server = createServer(
    { cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false },
    createApiHandler({
      stores,
      authenticator,
      authorizer,
      admit: createNodeRestriction({
        getPod: (ns: string, name: string) => pods.cache.get(`/pods/${ns}/${name}`),
        getNode: (name: string) => store('', 'nodes').cache.get(`/minions/${name}`),
      }),
      subresources: {
        ...createSubresourceHandlers({ store, authenticator, authorizer, pki }),
        proxy: createKubeletProxy({ pods, nodes: store('', 'nodes'), caPem: pki.caCertPem, clientCertPem: pki.kubeletClientCertPem, clientKeyPem: pki.kubeletClientKeyPem }),
      },
      ready: () => !lifetime.signal.aborted,
      metrics: metrics.handler,
      serverAddress: () => `${address}:${(server.address() as { port: number } | null)?.port ?? o.securePort}`,
    }),
  );
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

  runNamespaceController({ namespaces, contents: [...stores.values()].filter((s) => s.info.namespaced), signal: lifetime.signal, log });
  runScheduler({ pods, nodes: store('', 'nodes'), events: store('', 'events'), signal: lifetime.signal, log });
  runNodeLifecycleController({
    nodes: store('', 'nodes'),
    leases: store('coordination.k8s.io', 'leases'),
    signal: lifetime.signal,
    monitorPeriodMs: o.nodeMonitorPeriodMs,
    gracePeriodMs: o.nodeMonitorGracePeriodMs,
    log,
  });
  runEndpointsController({ services: store('', 'services'), pods, endpoints: store('', 'endpoints'), signal: lifetime.signal, log });
  runEndpointSliceController({
    services: store('', 'services'),
    pods,
    endpointSlices: store('discovery.k8s.io', 'endpointslices'),
    nodes: store('', 'nodes'),
    signal: lifetime.signal,
    log,
  });
  runServiceAccountController({ namespaces, serviceAccounts, configMaps: store('', 'configmaps'), caPem: pki.caCertPem, signal: lifetime.signal, log });

  return {
    url,
    port,
    caPem: pki.caCertPem,
    stores,
    storage,
    store,
    close: async () => {
      lifetime.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
    },
  };
}

export type { ResourceInfo };
