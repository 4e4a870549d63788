// What the scheduler and the kubelet's admission both ask of a node for a pod (upstream's
// component-helpers/scheduling/corev1 and the NodeAffinity / NodePorts plugins' matchers), pure.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from '../core/index.ts';

/** Upstream's Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  // An empty key with Exists matches every key (the key check above let it through).
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

function parseInteger(s: string | undefined): bigint | undefined {
  return s !== undefined && /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

/** One matchExpressions / matchFields requirement against a value that may be absent. */
export function matchesRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = parseInteger(value);
      const want = values.length === 1 ? parseInteger(values[0]) : undefined;
      if (have === undefined || want === undefined) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A NodeSelectorTerm: every expression and field must match; an empty term matches nothing. */
export function matchesTerm(term: NodeSelectorTerm | undefined, node: Node): boolean {
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  const label = (k: string) => (Object.hasOwn(labels, k) ? labels[k] : undefined);
  // metadata.name is the only field upstream supports in matchFields.
  const fieldValue = (k: string) => (k === 'metadata.name' ? node.metadata.name : undefined);
  return exprs.every((r) => matchesRequirement(r, label(r.key))) && fields.every((r) => k8sFieldMatch(r, fieldValue(r.key)));
}

function k8sFieldMatch(r: NodeSelectorRequirement, value: string | undefined): boolean {
  if (r.operator !== 'In' && r.operator !== 'NotIn') return false;
  return matchesRequirement(r, value);
}

/** nodeSelector and required node affinity (terms are ORed). */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((term) => matchesTerm(term, node));
}

export interface HostPort {
  hostIP: string;
  protocol: string;
  port: number;
}

/** Host ports a pod's containers ask for, with upstream's defaults (0.0.0.0, TCP). */
export function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c?.ports ?? []) {
      if (!p?.hostPort) continue;
      out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0';
}

/** Whether any of the pod's host ports is already taken on the node. */
export function hasPortConflict(wanted: HostPort[], used: HostPort[]): boolean {
  return wanted.some((w) => used.some((u) => portsConflict(w, u)));
}
