// The API server's stores: one registry Store per stored resource, each typed by its kind and
// holding its own watch cache. The HTTP layer serves them all alike, by group and resource;
// in-process components reach them through the typed clients of clientset.ts (see client.ts).
import type {
  ConfigMap,
  Endpoints,
  EndpointSlice,
  Event,
  Lease,
  Namespace,
  Node,
  Pod,
  PodDisruptionBudget,
  Secret,
  Service,
  ServiceAccount,
} from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import type { Storage } from '../storage/interface.ts';
import type { IndexFunc } from '../storage/watchcache.ts';
import { resources } from './resources.ts';
import { Store } from './store.ts';
import { strategies, validateObjectMeta } from './strategies/index.ts';
import type { Strategy } from './strategy.ts';

export interface Registry {
  namespaces: Store<Namespace>;
  nodes: Store<Node>;
  pods: Store<Pod>;
  services: Store<Service>;
  endpoints: Store<Endpoints>;
  secrets: Store<Secret>;
  configMaps: Store<ConfigMap>;
  serviceAccounts: Store<ServiceAccount>;
  events: Store<Event>;
  leases: Store<Lease>;
  endpointSlices: Store<EndpointSlice>;
  podDisruptionBudgets: Store<PodDisruptionBudget>;
}

export interface RegistryOptions {
  /** Events each watch cache keeps for resuming watches (default 10,000). */
  watchCacheHistory?: number;
  now?: () => Date;
  /** Where each watch cache's recovered errors go, named by resource. */
  log?: (msg: string) => void;
}

/** The stores over one storage; their watch caches start with startRegistry. */
export function createRegistry(storage: Storage, o: RegistryOptions = {}): Registry {
  const open = <T extends KubeObject>(group: string, resource: string, strategy: Strategy<T>, indexes?: Record<string, IndexFunc<T>>): Store<T> => {
    const info = resources.find((r) => r.group === group && r.resource === resource && !r.virtual);
    if (!info) throw new Error(`no stored resource ${group}/${resource}`);
    return new Store(info, strategy, storage, {
      validateMeta: (obj) => validateObjectMeta(obj, { namespaced: info.namespaced, resource: info.resource }),
      historySize: o.watchCacheHistory,
      indexes,
      now: o.now,
      log: o.log,
    });
  };
  const registry: Registry = {
    namespaces: open('', 'namespaces', strategies['/namespaces']),
    nodes: open('', 'nodes', strategies['/nodes']),
    pods: open('', 'pods', strategies['/pods'], { 'spec.nodeName': (pod) => pod.spec?.nodeName }),
    services: open('', 'services', strategies['/services']),
    endpoints: open('', 'endpoints', strategies['/endpoints']),
    secrets: open('', 'secrets', strategies['/secrets']),
    configMaps: open('', 'configmaps', strategies['/configmaps']),
    serviceAccounts: open('', 'serviceaccounts', strategies['/serviceaccounts']),
    events: open('', 'events', strategies['/events']),
    leases: open('coordination.k8s.io', 'leases', strategies['coordination.k8s.io/leases']),
    endpointSlices: open('discovery.k8s.io', 'endpointslices', strategies['discovery.k8s.io/endpointslices']),
    podDisruptionBudgets: open('policy', 'poddisruptionbudgets', strategies['policy/poddisruptionbudgets']),
  };
  const missing = resources.filter((r) => !r.virtual && !allStores(registry).some((s) => s.info === r));
  if (missing.length) throw new Error(`stored resources without a store: ${missing.map((r) => `${r.group}/${r.resource}`).join(', ')}`);
  return registry;
}

/** Every store, for code that handles any kind (the HTTP layer, the namespace controller). */
export function allStores(r: Registry): Store[] {
  return Object.values(r);
}

/** Lists and starts watching in every watch cache; resolves once all are primed. */
export async function startRegistry(r: Registry, signal: AbortSignal): Promise<void> {
  await Promise.all(allStores(r).map((s) => s.cache.start(signal)));
}
