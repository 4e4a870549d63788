// Storage keys, laid out as upstream lays them out in etcd (under --etcd-prefix):
// /pods/<ns>/<name>, /minions/<name>, /services/specs/<ns>/<name>, ...
import type { ResourceInfo } from './resources.ts';

const upstreamPaths: Record<string, string> = {
  nodes: 'minions',
  services: 'services/specs',
  endpoints: 'services/endpoints',
};

/** The key prefix holding every object of a resource (ends with '/'). */
export function resourcePrefix(info: ResourceInfo): string {
  return `/${upstreamPaths[info.resource] ?? info.resource}/`;
}

/** The prefix of one namespace's objects, or of all when namespace is empty. */
export function namespacePrefix(info: ResourceInfo, namespace: string): string {
  return info.namespaced && namespace ? `${resourcePrefix(info)}${namespace}/` : resourcePrefix(info);
}

export function objectKey(info: ResourceInfo, namespace: string, name: string): string {
  return info.namespaced ? `${resourcePrefix(info)}${namespace}/${name}` : `${resourcePrefix(info)}${name}`;
}
