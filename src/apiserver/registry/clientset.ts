// The in-process clients (client.ts) over the registry's stores: reads and writes go to the
// Store, cache reads to its watch cache by namespace and name.
import type { Pod } from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import type { Clientset, ObjectCache, PodClient, ResourceClient } from '../client.ts';
import { namespacePrefix, objectKey } from './keys.ts';
import { allStores, type Registry } from './registry.ts';
import type { Store } from './store.ts';
import { applyBinding } from './strategies/pod_binding.ts';

export function objectCache<T extends KubeObject>(store: Store<T>): ObjectCache<T> {
  const { info, cache } = store;
  return {
    get: (namespace, name) => cache.get(objectKey(info, namespace, name)),
    list: (namespace = '') => cache.list({ prefix: namespacePrefix(info, namespace) }),
    watch: (afterRevision, onEvents, signal) => cache.watch(afterRevision, onEvents, signal),
    revision: () => cache.revision(),
    waitForRevision: (revision, signal) => cache.waitForRevision(revision, signal),
  };
}

/** The field manager the in-process controllers write as (upstream's controller manager's user agent). */
export const controllerFieldManager = 'kube-controller-manager';

export function resourceClient<T extends KubeObject>(store: Store<T>, fieldManager = controllerFieldManager): ResourceClient<T> {
  const manager = { name: fieldManager, operation: 'Update' as const };
  return {
    cache: objectCache(store),
    get: (namespace, name) => store.get(namespace, name),
    list: (namespace, opts) => store.list(namespace, opts),
    create: (namespace, obj) => store.create(namespace, obj, { manager }),
    guaranteedUpdate: (namespace, name, mutate, subresource) => store.guaranteedUpdate(namespace, name, mutate, subresource, { manager }),
    delete: (namespace, name, opts) => store.delete(namespace, name, opts),
    deleteCollection: (namespace, opts = {}) => store.deleteCollection(namespace, opts),
  };
}

/** Binds as the pods/binding subresource does, with the binding time taken from `now`. */
export function podClient(store: Store<Pod>, now: () => Date = () => new Date()): PodClient {
  return {
    ...resourceClient(store),
    bind: async (namespace, binding) => {
      await store.guaranteedUpdate(namespace, binding.metadata.name ?? '', (pod) => applyBinding(pod, binding, now()), 'binding');
    },
  };
}

export function clientset(r: Registry, now?: () => Date): Clientset {
  return {
    namespaces: resourceClient(r.namespaces),
    nodes: resourceClient(r.nodes),
    pods: podClient(r.pods, now),
    services: resourceClient(r.services),
    endpoints: resourceClient(r.endpoints),
    secrets: resourceClient(r.secrets),
    configMaps: resourceClient(r.configMaps),
    serviceAccounts: resourceClient(r.serviceAccounts),
    events: resourceClient(r.events),
    leases: resourceClient(r.leases),
    endpointSlices: resourceClient(r.endpointSlices),
    podDisruptionBudgets: resourceClient(r.podDisruptionBudgets),
    namespaced: allStores(r).filter((s) => s.info.namespaced).map((s) => resourceClient(s)),
  };
}
