// What a DELETE that removed the object answers, as upstream's Store.finalizeDelete: the deleted
// object for the stores that set ReturnDeletedObject (pods, services, namespaces, service
// accounts), for every other a Status "Success" naming what went. Typed clients read it as such:
// python-kubernetes' delete_namespaced_config_map returns a V1Status and gets nothing from a
// ConfigMap. An object that lingers (graceful deletion, finalizers) is answered as itself.
import type { KubeObject } from '../../api/object.ts';
import type { ResourceInfo } from '../registry/resources.ts';

const returnsDeletedObject = new Set(['pods', 'services', 'namespaces', 'serviceaccounts']);

export interface DeletedStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success';
  details: { name?: string; group?: string; kind: string; uid?: string };
}

/** The Status to answer instead of the deleted object, or undefined to answer the object. */
export function deletedStatus(info: ResourceInfo, obj: KubeObject): DeletedStatus | undefined {
  if (info.group === '' && returnsDeletedObject.has(info.resource)) return undefined;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    // Upstream puts the resource in Kind, and leaves the core group out.
    details: { name: obj.metadata.name, ...(info.group ? { group: info.group } : {}), kind: info.resource, uid: obj.metadata.uid },
  };
}
