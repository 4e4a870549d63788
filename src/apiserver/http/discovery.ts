// Discovery documents: /api, /apis, /api/v1, /apis/<group>/<version>, and /version.
import { groupVersion, groupVersions, resources, type ResourceInfo } from '../registry/resources.ts';
import { metricsResources } from '../metrics/discovery.ts';

// Stored resources plus those served from memory (the Metrics API).
const served = (): ResourceInfo[] => [...resources, ...metricsResources];

function servedGroupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map(groupVersions().map((gv) => [groupVersion(gv), gv]));
  for (const r of metricsResources) seen.set(groupVersion(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-berth',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-27T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsx',
  platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string): object {
  const versions = servedGroupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: groupVersion(gv), version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): object {
  const groups = [...new Set(servedGroupVersions().map((gv) => gv.group))].filter((g) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

export function apiGroupDocument(group: string): object | undefined {
  if (!servedGroupVersions().some((gv) => gv.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

function resourceEntries(r: ResourceInfo): object[] {
  const main = {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
  };
  const subs = (r.subresources ?? []).map((s) => ({
    name: `${r.resource}/${s.name}`,
    singularName: '',
    namespaced: r.namespaced,
    kind: s.kind,
    verbs: s.verbs,
    // A subresource of another group's kind says so (serviceaccounts/token → TokenRequest).
    ...(s.group !== undefined ? { group: s.group, version: 'v1' } : {}),
  }));
  return [main, ...subs];
}

export function apiResourceList(group: string, version: string): object | undefined {
  const rs = served().filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: rs.flatMap(resourceEntries),
  };
}
