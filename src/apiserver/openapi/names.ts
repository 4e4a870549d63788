// Schema names in upstream's Go package style ('io.k8s.api.core.v1.Pod') for client-node model
// classes ('V1Pod'). A class's package is not in its name, so it is worked out from where the
// class is reached: meta types by a fixed list, group-prefixed classes ('DiscoveryV1EndpointPort')
// from their prefix, and the rest from the group of the first served kind that reaches them.
import { arrayItemType, classForKind, mapValueType, modelFields } from '../../api/schema/models.ts';
import type { ResourceInfo, SubresourceInfo } from '../registry/resources.ts';

const metaPackage = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Types that live in apimachinery's meta/v1 whatever group uses them. */
const metaKinds = new Set([
  'ObjectMeta', 'ListMeta', 'ManagedFieldsEntry', 'OwnerReference', 'LabelSelector', 'LabelSelectorRequirement',
  'Condition', 'Status', 'StatusDetails', 'StatusCause', 'DeleteOptions', 'Preconditions', 'WatchEvent',
  'APIResourceList', 'APIResource', 'APIVersions', 'APIGroupList', 'APIGroup', 'GroupVersionForDiscovery',
  'ServerAddressByClientCIDR', 'FieldSelectorRequirement', 'Time', 'MicroTime', 'Patch', 'FieldsV1',
]);

/** Names of the non-model types the documents define themselves. */
export const primitiveNames = {
  Time: `${metaPackage}.Time`,
  MicroTime: `${metaPackage}.MicroTime`,
  FieldsV1: `${metaPackage}.FieldsV1`,
  Patch: `${metaPackage}.Patch`,
  IntOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  Quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
} as const;

/** 'coordination.k8s.io' → 'io.k8s.api.coordination.v1'; '' → 'io.k8s.api.core.v1'. */
export function apiPackage(group: string, version: string): string {
  return `io.k8s.api.${group ? group.split('.')[0] : 'core'}.${version}`;
}

/** 'CoreV1EndpointPort' → { group segment 'core', version 'v1', kind 'EndpointPort' }. */
function splitGroupPrefixed(className: string): { pkg: string; kind: string } | undefined {
  const m = /^([A-Z][a-z]+)(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(className);
  if (!m) return undefined;
  return { pkg: `io.k8s.api.${m[1].toLowerCase()}.${m[2].toLowerCase()}`, kind: m[3] };
}

/** 'V1Pod' → 'Pod'; 'V1beta1Foo' → 'Foo'. */
function stripVersion(className: string): string {
  return className.replace(/^V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, '');
}

/** Model classes directly referenced by a field type ('Array<V1Container>' → ['V1Container']). */
export function referencedClass(type: string): string | undefined {
  const inner = arrayItemType(type) ?? mapValueType(type) ?? type;
  const deeper = arrayItemType(inner) ?? mapValueType(inner) ?? inner;
  return modelFields(deeper) ? deeper : undefined;
}

export interface SchemaNamer {
  /** The schema name of a model class, e.g. 'V1Pod' → 'io.k8s.api.core.v1.Pod'. */
  nameOf(className: string): string;
}

/**
 * Assigns every class reachable from the served kinds to a package. Roots are visited in
 * discovery order (core first), so a core type that a later group also uses stays in core.
 */
export function createSchemaNamer(roots: Array<{ group: string; version: string; className: string }>): SchemaNamer {
  const packageOf = new Map<string, string>();
  const visit = (className: string, pkg: string): void => {
    if (packageOf.has(className)) return;
    packageOf.set(className, pkg);
    for (const f of modelFields(className) ?? []) {
      const child = referencedClass(f.type);
      if (child) visit(child, pkg);
    }
  };
  for (const r of roots) visit(r.className, apiPackage(r.group, r.version));
  return {
    nameOf(className) {
      const prefixed = splitGroupPrefixed(className);
      if (prefixed) return `${prefixed.pkg}.${prefixed.kind}`;
      if (className === 'VersionInfo') return 'io.k8s.apimachinery.pkg.version.Info';
      const kind = stripVersion(className);
      if (metaKinds.has(kind)) return `${metaPackage}.${kind}`;
      return `${packageOf.get(className) ?? 'io.k8s.api.core.v1'}.${kind}`;
    },
  };
}

/** The group and model class of a subresource's kind (another group's, for serviceaccounts/token), if the model knows it. */
export function subresourceKind(r: ResourceInfo, s: SubresourceInfo): { group: string; version: string; className: string } | undefined {
  const group = s.group ?? r.group;
  const className = classForKind(group, r.version, s.kind);
  return className ? { group, version: r.version, className } : undefined;
}

/** Root classes for naming, in discovery order: kinds, their lists, and subresource kinds. */
export function namingRoots(rs: ResourceInfo[]): Array<{ group: string; version: string; className: string }> {
  const out: Array<{ group: string; version: string; className: string }> = [];
  for (const r of rs) {
    for (const kind of [r.kind, `${r.kind}List`]) {
      const className = classForKind(r.group, r.version, kind);
      if (className) out.push({ group: r.group, version: r.version, className });
    }
  }
  for (const r of rs) {
    for (const s of r.subresources ?? []) {
      const k = subresourceKind(r, s);
      if (k) out.push(k);
    }
  }
  return out;
}
