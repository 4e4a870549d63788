// Gives every active namespace a "default" ServiceAccount and the "kube-root-ca.crt"
// ConfigMap (upstream's serviceaccounts controller and root-ca-cert-publisher), and puts
// them back when they are deleted.
import type { ConfigMap, Namespace, ServiceAccount } from '../../api/core/index.ts';
import { isStatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import type { CacheEvent, ResourceClient } from '../../apiserver/client.ts';

export interface ServiceAccountControllerDeps {
  namespaces: ResourceClient<Namespace>;
  serviceAccounts: ResourceClient<ServiceAccount>;
  configMaps: ResourceClient<ConfigMap>;
  caPem: string;
  signal: AbortSignal;
  log?: (msg: string) => void;
}

async function createIfMissing<T extends KubeObject>(resource: ResourceClient<T>, namespace: string, obj: T): Promise<void> {
  try {
    await resource.create(namespace, obj);
  } catch (e) {
    // Already there, or the namespace went away meanwhile: both are fine.
    if (!isStatusError(e, 'AlreadyExists') && !isStatusError(e, 'Forbidden') && !isStatusError(e, 'NotFound')) throw e;
  }
}

export function runServiceAccountController(d: ServiceAccountControllerDeps): void {
  const ensure = async (ns: string) => {
    const nsObj = d.namespaces.cache.get('', ns);
    if (!nsObj || nsObj.metadata.deletionTimestamp) return;
    try {
      if (!d.serviceAccounts.cache.get(ns, 'default')) {
        await createIfMissing(d.serviceAccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
      }
      const cm = d.configMaps.cache.get(ns, 'kube-root-ca.crt');
      if (!cm) {
        await createIfMissing(d.configMaps, ns, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
          data: { 'ca.crt': d.caPem },
        });
      } else if (cm.data?.['ca.crt'] !== d.caPem) {
        await d.configMaps.guaranteedUpdate(ns, 'kube-root-ca.crt', (cur) => ({ ...cur, data: { ...cur.data, 'ca.crt': d.caPem } }));
      }
    } catch (e) {
      d.log?.(`serviceaccount controller: ${ns}: ${(e as Error).message}`);
    }
  };
  for (const ns of d.namespaces.cache.list().items) void ensure(ns.metadata.name!);
  d.namespaces.cache.watch(d.namespaces.cache.revision(), (evs) => evs.forEach((e) => e.type === 'ADDED' && void ensure(e.object.metadata.name!)), d.signal);
  const onChildEvents = (evs: CacheEvent[]) => {
    for (const e of evs) if (e.type !== 'ADDED') void ensure(e.object.metadata.namespace!);
  };
  d.serviceAccounts.cache.watch(d.serviceAccounts.cache.revision(), onChildEvents, d.signal);
  d.configMaps.cache.watch(d.configMaps.cache.revision(), onChildEvents, d.signal);
}
