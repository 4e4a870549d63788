// NamespaceLifecycle admission, as upstream: no new content in a namespace that does not
// exist or is terminating, and the system namespaces can never be deleted.
import { errors } from '../../api/errors.ts';
import type { Namespace } from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import type { ResourceClient } from '../client.ts';
import type { ResourceInfo } from '../registry/resources.ts';
import type { StoreHooks } from '../registry/store.ts';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** For every namespaced store: creation needs an existing, active namespace. */
export function namespaceExistsHook(namespaces: ResourceClient<Namespace>, resource: ResourceInfo): StoreHooks {
  return {
    beforeCreate: async (obj: KubeObject) => {
      const name = obj.metadata.namespace ?? '';
      const ns = namespaces.cache.get('', name) ?? (await namespaces.get('', name));
      if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
        throw errors.forbidden(resource, obj.metadata.name ?? '', `unable to create new content in namespace ${name} because it is being terminated`);
      }
    },
  };
}

/** For the namespaces store: the system namespaces are immortal. */
export const protectSystemNamespaces: StoreHooks = {
  beforeDelete: (obj: KubeObject) => {
    if (systemNamespaces.includes(obj.metadata.name ?? '')) {
      throw errors.forbidden({ group: '', resource: 'namespaces' }, obj.metadata.name!, 'this namespace may not be deleted');
    }
  },
};
