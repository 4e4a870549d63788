// The node strategy: status kept apart from spec, immutable pod CIDRs and provider ID,
// taints validated, and the `kubectl get nodes` table.
import type { Node, NodeSpec } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isQualifiedName, isValidLabelValue } from '../../../api/validation/names.ts';
import { selectableFields, type Strategy } from '../strategy.ts';
import { age, ageColumn, keepAllButStatus, keepStatus, nameColumn } from './common.ts';
import { validateEnum } from '../../../api/validation/generic.ts';

function validCIDR(cidr: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return false;
  const bits = Number(m[2]);
  const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]) && m[1].split('.').every((o) => Number(o) <= 255);
  return v4 ? bits <= 32 : m[1].includes(':') && bits <= 128;
}

function validateNodeSpec(spec: NodeSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (spec?.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    for (const m of isQualifiedName(t?.key ?? '')) errs.push(field.invalid(`${p}.key`, t?.key ?? '', m));
    if (t?.value) for (const m of isValidLabelValue(t.value)) errs.push(field.invalid(`${p}.value`, t.value, m));
    errs.push(...validateEnum(t?.effect, `${p}.effect`, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    const key = `${t?.key}:${t?.effect}`;
    if (seen.has(key)) errs.push(field.duplicate(p, t));
    seen.add(key);
  });
  const cidrs = spec?.podCIDRs ?? (spec?.podCIDR ? [spec.podCIDR] : []);
  cidrs.forEach((c, i) => {
    if (!validCIDR(c)) errs.push(field.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR'));
  });
  if (spec?.podCIDR && cidrs[0] !== spec.podCIDR) errs.push(field.invalid('spec.podCIDR', spec.podCIDR, 'must match the first element of podCIDRs'));
  return errs;
}

export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = validateNodeSpec(node.spec);
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const newCIDRs = node.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0 && (oldCIDRs.length !== newCIDRs.length || oldCIDRs.some((c, i) => c !== newCIDRs[i]))) {
    errs.push(field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

/** Role names from node-role.kubernetes.io/<role> labels and the kubernetes.io/role label. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

export function nodeStatusText(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c?.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a?.type === type)?.address || '<none>';
}

export const nodeStrategy: Strategy<Node> = {
  // Nodes may set every field, status included, on create (the kubelet registers itself so).
  prepareForCreate() {},
  validate: (node) => validateNodeSpec(node.spec),
  prepareForUpdate: keepStatus,
  validateUpdate: validateNodeUpdate,
  prepareForStatusUpdate: (node, old) => keepAllButStatus(node, old, { labelsAndAnnotations: true }),
  validateStatusUpdate: () => [],
  ...selectableFields<Node>({ 'spec.unschedulable': (node) => String(node.spec?.unschedulable === true) }),
  table: {
    columns: [
      nameColumn,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      ageColumn,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      { name: 'Internal-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' },
      { name: 'External-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' },
      { name: 'OS-Image', type: 'string', priority: 1, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).' },
      { name: 'Kernel-Version', type: 'string', priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
      { name: 'Container-Runtime', type: 'string', priority: 1, description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).' },
    ],
    cells(node, now) {
      const info = node.status?.nodeInfo;
      const roles = nodeRoles(node);
      return [
        node.metadata.name,
        nodeStatusText(node),
        roles.length > 0 ? roles.join(',') : '<none>',
        age(node, now),
        info?.kubeletVersion ?? '',
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
  bumpsGeneration: () => false,
};
