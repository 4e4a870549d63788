// Wires the pure admission steps into the stores as hooks: pod creation runs the default
// mutating plugins (looking up the service account), and services get their cluster IP
// and node ports.
import type { Pod, Service } from '../../api/core/index.ts';
import { errors, isStatusError } from '../../api/errors.ts';
import { objectKey } from '../registry/keys.ts';
import type { Registry } from '../registry/registry.ts';
import { assignServiceAddresses, usedByServices } from '../registry/strategies/service_alloc.ts';
import { admitPodCreate, podServiceAccountName } from './index.ts';

export interface AdmissionOptions {
  serviceCIDR?: string;
  nodePortRange?: [number, number];
}

/** How long a just-allocated address is held back while the watch cache catches up. */
const pendingHoldMs = 30_000;

export function installAdmission(registry: Registry, opts: AdmissionOptions = {}): void {
  const { pods, serviceAccounts, services } = registry;

  pods.hooks.push({
    beforeCreate: async (pod: Pod) => {
      const ns = pod.metadata.namespace ?? '';
      const name = podServiceAccountName(pod);
      let sa = serviceAccounts.cache.get(objectKey(serviceAccounts.info, ns, name));
      if (!sa) {
        try {
          sa = await serviceAccounts.get(ns, name);
        } catch (e) {
          if (!isStatusError(e, 'NotFound')) throw e;
        }
      }
      admitPodCreate(pod, { serviceAccount: sa });
    },
  });

  // Allocations not yet visible in the cache, so two quick creates never share an address.
  const pendingIPs = new Map<string, number>();
  const pendingPorts = new Map<number, number>();
  const assign = (svc: Service, old: Service | undefined) => {
    const now = Date.now();
    for (const [k, t] of pendingIPs) if (now - t > pendingHoldMs) pendingIPs.delete(k);
    for (const [k, t] of pendingPorts) if (now - t > pendingHoldMs) pendingPorts.delete(k);
    const used = usedByServices(services.cache.list().items, old ? { namespace: old.metadata.namespace, name: old.metadata.name } : undefined);
    for (const ip of pendingIPs.keys()) used.usedIPs.add(ip);
    for (const p of pendingPorts.keys()) used.usedNodePorts.add(p);
    const errs = assignServiceAddresses(svc, old, { ...used, cidr: opts.serviceCIDR, nodePortRange: opts.nodePortRange });
    if (errs.length > 0) throw errors.invalid('', 'Service', svc.metadata.name ?? '', errs);
    for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') pendingIPs.set(ip, now);
    for (const p of svc.spec?.ports ?? []) if (p?.nodePort) pendingPorts.set(p.nodePort, now);
  };
  services.hooks.push({
    beforeCreate: (svc: Service) => assign(svc, undefined),
    beforeUpdate: (svc: Service, old: Service, subresource: string) => {
      if (subresource === '') assign(svc, old);
    },
  });
}
