// Node health, decided purely (upstream's tryUpdateNodeHealth plus the tainting passes): when
// the controller last saw a heartbeat change (by its own clock, never the kubelet's), whether
// the node is overdue, the conditions it should then have, and the taints that follow.
import type { Lease, Node, NodeCondition, Taint } from '../../api/core/index.ts';
import { rfc3339 } from '../../api/object.ts';
import { desiredTaints, reconcileTaints } from './taints.ts';

/** What the controller remembers about a node between passes. */
export interface ObservedHealth {
  /** Controller time (ms) at which a heartbeat was last seen to change. */
  probeTimestamp: number;
  /** Ready condition's lastHeartbeatTime as last seen. */
  readyHeartbeat?: string;
  /** The node Lease's spec.renewTime as last seen. */
  leaseRenewTime?: string;
}

export interface NodeEvaluation {
  observed: ObservedHealth;
  /** True when no heartbeat was seen for the grace period. */
  overdue: boolean;
  /** The node's full condition list to write through status, when it has to change. */
  conditions?: NodeCondition[];
  /** The node's full taint list, when it has to change. */
  taints?: Taint[];
}

/** The conditions upstream marks Unknown when the kubelet goes silent. */
export const monitoredConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
export const messages = {
  stopped: 'Kubelet stopped posting node status.',
  never: 'Kubelet never posted node status.',
};

/** How long a node that never reported gets before it is marked (upstream's node-startup-grace-period). */
export const defaultStartupGracePeriodMs = 60_000;

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** Updates the probe timestamp when the Ready heartbeat or the lease renewal moved since last seen. */
export function observe(node: Node, lease: Lease | undefined, saved: ObservedHealth | undefined, now: Date): ObservedHealth {
  const ready = (node.status?.conditions ?? []).find((c) => c?.type === 'Ready');
  const readyHeartbeat = ready?.lastHeartbeatTime ?? undefined;
  const leaseRenewTime = lease?.spec?.renewTime ?? undefined;
  const nowMs = now.getTime();
  if (!saved) {
    // First sight: a node that never reported counts from its creation, any other from now.
    const created = parseTime(node.metadata.creationTimestamp);
    return { probeTimestamp: ready ? nowMs : created ?? nowMs, readyHeartbeat, leaseRenewTime };
  }
  let probeTimestamp = saved.probeTimestamp;
  if (ready && readyHeartbeat !== saved.readyHeartbeat) probeTimestamp = nowMs;
  const renewed = parseTime(leaseRenewTime);
  const lastRenewed = parseTime(saved.leaseRenewTime);
  if (renewed !== undefined && (lastRenewed === undefined || renewed > lastRenewed)) probeTimestamp = nowMs;
  return { probeTimestamp, readyHeartbeat, leaseRenewTime: leaseRenewTime ?? saved.leaseRenewTime };
}

/** The conditions of a node gone silent: each monitored one Unknown (added if never posted). Undefined if already so. */
export function unknownConditions(node: Node, now: Date): NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  const ts = rfc3339(now);
  let changed = false;
  const out = current.map((c): NodeCondition => {
    if (!monitoredConditions.includes(c?.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: messages.stopped, lastTransitionTime: ts };
  });
  for (const type of monitoredConditions) {
    if (current.some((c) => c?.type === type)) continue;
    changed = true;
    out.push({
      type,
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: messages.never,
      lastHeartbeatTime: node.metadata.creationTimestamp ?? ts,
      lastTransitionTime: ts,
    });
  }
  return changed ? out : undefined;
}

/**
 * One node's verdict for this pass. `gracePeriodMs` applies to nodes that have posted status,
 * `startupGracePeriodMs` to nodes that never did.
 */
export function evaluateNode(
  node: Node,
  lease: Lease | undefined,
  saved: ObservedHealth | undefined,
  now: Date,
  gracePeriodMs: number,
  startupGracePeriodMs = defaultStartupGracePeriodMs,
): NodeEvaluation {
  const observed = observe(node, lease, saved, now);
  const reported = (node.status?.conditions ?? []).some((c) => c?.type === 'Ready');
  const grace = reported ? gracePeriodMs : startupGracePeriodMs;
  const overdue = now.getTime() > observed.probeTimestamp + grace;
  const conditions = overdue ? unknownConditions(node, now) : undefined;
  if (conditions) {
    // Our own write will show up as a Ready heartbeat change; it is not one.
    observed.readyHeartbeat = conditions.find((c) => c?.type === 'Ready')?.lastHeartbeatTime ?? undefined;
  }
  const taints = reconcileTaints(node.spec?.taints, desiredTaints(node, conditions ?? node.status?.conditions), now);
  return { observed, overdue, conditions, taints };
}
