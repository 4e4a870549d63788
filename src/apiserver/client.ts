// The API server as in-process components see it (upstream: a typed clientset and the listers
// of shared informers). The controllers receive these at construction and import nothing else
// of the API server (test/unit/controllers_graph.test.ts holds that); the Metrics API and the
// kubelet proxy read through them too. Types only: registry/clientset.ts builds them over the
// registry's stores.
import type {
  Binding,
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
} from '../api/core/index.ts';
import type { KubeList, KubeObject } from '../api/object.ts';
import type { DeleteOptions, ListOptions } from './registry/store.ts';
import type { CacheEvent } from './storage/watchcache.ts';

export type { CacheEvent, DeleteOptions, ListOptions };

/**
 * A resource's objects as the API server's watch cache holds them. They are deep-frozen and
 * shared with every other reader: copy one before changing it.
 */
export interface ObjectCache<T extends KubeObject> {
  get(namespace: string, name: string): T | undefined;
  /** Every object (or a namespace's), sorted by namespace and name, and the cache's revision. */
  list(namespace?: string): { items: T[]; revision: number };
  /** Delivers the events after a revision in batches, on later ticks, until the signal aborts. */
  watch(afterRevision: number, onEvents: (events: CacheEvent<T>[]) => void, signal: AbortSignal): void;
  /** The revision the cache is complete up to. */
  revision(): number;
  /** Waits until the cache has seen a revision (one's own last write); rejects after a few seconds. */
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void>;
}

/** One resource: reads from storage or from the cache, and writes through the registry (strategy and admission hooks). */
export interface ResourceClient<T extends KubeObject> {
  readonly cache: ObjectCache<T>;
  get(namespace: string, name: string): Promise<T>;
  list(namespace: string, opts?: ListOptions): Promise<KubeList<T>>;
  create(namespace: string, obj: T): Promise<T>;
  /**
   * Read-modify-write, retried on conflict (upstream's GuaranteedUpdate): `mutate` gets a
   * private copy of the stored object and returns the desired one. The subresource is the
   * main resource unless given.
   */
  guaranteedUpdate(namespace: string, name: string, mutate: (current: T) => T | Promise<T>, subresource?: 'status' | 'finalize'): Promise<T>;
  /** `deleted` tells whether the object left storage or was only marked (graceful deletion, finalizers). */
  delete(namespace: string, name: string, opts?: DeleteOptions): Promise<{ object: T; deleted: boolean }>;
  deleteCollection(namespace: string, opts?: ListOptions): Promise<KubeList<T>>;
}

export interface PodClient extends ResourceClient<Pod> {
  /** The pods/binding subresource: assigns the pod named by the binding to its target node. */
  bind(namespace: string, binding: Binding): Promise<void>;
}

/** Every stored resource, typed by kind. */
export interface Clientset {
  namespaces: ResourceClient<Namespace>;
  nodes: ResourceClient<Node>;
  pods: PodClient;
  services: ResourceClient<Service>;
  endpoints: ResourceClient<Endpoints>;
  secrets: ResourceClient<Secret>;
  configMaps: ResourceClient<ConfigMap>;
  serviceAccounts: ResourceClient<ServiceAccount>;
  events: ResourceClient<Event>;
  leases: ResourceClient<Lease>;
  endpointSlices: ResourceClient<EndpointSlice>;
  podDisruptionBudgets: ResourceClient<PodDisruptionBudget>;
  /** The namespaced resources, whatever their kind: what a namespace holds. */
  namespaced: ResourceClient<KubeObject>[];
}
