// The node lifecycle controller loop (upstream's monitorNodeHealth, without evictions): every
// monitor period, and whenever a node changes, evaluate each node's health; write Unknown
// conditions through nodes/status and reconcile the managed taints through the node itself.
import { isStatusError } from '../../api/errors.ts';
import type { Lease, Node } from '../../api/core/index.ts';
import type { ResourceClient } from '../../apiserver/client.ts';
import { defaultStartupGracePeriodMs, evaluateNode, unknownConditions, type ObservedHealth } from './health.ts';
import { desiredTaints, reconcileTaints } from './taints.ts';

export const nodeLeaseNamespace = 'kube-node-lease';

export interface NodeLifecycleDeps {
  nodes: ResourceClient<Node>;
  leases: ResourceClient<Lease>;
  signal: AbortSignal;
  now?: () => Date;
  monitorPeriodMs?: number;
  gracePeriodMs?: number;
  startupGracePeriodMs?: number;
  log?: (msg: string) => void;
}

function readyHeartbeat(node: Node): string | undefined {
  return (node.status?.conditions ?? []).find((c) => c?.type === 'Ready')?.lastHeartbeatTime;
}

export function runNodeLifecycleController(d: NodeLifecycleDeps): void {
  const now = d.now ?? (() => new Date());
  const log = d.log ?? (() => {});
  const monitorPeriodMs = d.monitorPeriodMs ?? 5000;
  const gracePeriodMs = d.gracePeriodMs ?? 50_000;
  const startupGracePeriodMs = d.startupGracePeriodMs ?? defaultStartupGracePeriodMs;
  const health = new Map<string, ObservedHealth>();
  let running = false;
  let again = false;
  let soon: NodeJS.Timeout | undefined;

  const syncNode = async (node: Node, lease: Lease | undefined) => {
    const name = node.metadata.name!;
    const at = now();
    const verdict = evaluateNode(node, lease, health.get(name), at, gracePeriodMs, startupGracePeriodMs);
    health.set(name, verdict.observed);
    if (verdict.conditions) {
      log(`node lifecycle: node ${name} stopped posting status; marking its conditions Unknown`);
      // Recomputed on the freshest copy: already Unknown means nothing to write.
      const heartbeat = readyHeartbeat(node);
      await d.nodes.guaranteedUpdate('', name, (cur) => {
        // The kubelet may have come back since we looked: then it is not ours to mark.
        if (readyHeartbeat(cur) !== heartbeat) return cur;
        const conditions = unknownConditions(cur, at);
        return conditions ? { ...cur, status: { ...cur.status, conditions } } : cur;
      }, 'status');
    }
    if (verdict.taints) {
      // Decide again on the freshest copy, so a concurrent kubelet update is never undone.
      await d.nodes.guaranteedUpdate('', name, (cur) => {
        const taints = reconcileTaints(cur.spec?.taints, desiredTaints(cur), at);
        return taints ? { ...cur, spec: { ...cur.spec, taints } } : cur;
      });
    }
  };

  const pass = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const leases = new Map<string, Lease>();
        for (const l of d.leases.cache.list(nodeLeaseNamespace).items) leases.set(l.metadata.name!, l);
        const nodes = d.nodes.cache.list().items;
        const names = new Set(nodes.map((n) => n.metadata.name!));
        for (const name of health.keys()) if (!names.has(name)) health.delete(name);
        for (const node of nodes) {
          if (d.signal.aborted) return;
          try {
            await syncNode(node, leases.get(node.metadata.name!));
          } catch (e) {
            if (!isStatusError(e, 'NotFound')) log(`node lifecycle: node ${node.metadata.name}: ${(e as Error).message}`);
          }
        }
      } while (again && !d.signal.aborted);
    } finally {
      running = false;
    }
  };

  const nodes = d.nodes.cache.list();
  d.nodes.cache.watch(
    nodes.revision,
    () => {
      // Coalesce bursts of node updates into one pass.
      if (soon || d.signal.aborted) return;
      soon = setTimeout(() => {
        soon = undefined;
        void pass();
      }, 50);
    },
    d.signal,
  );
  const monitor = setInterval(() => void pass(), monitorPeriodMs);
  d.signal.addEventListener('abort', () => {
    clearInterval(monitor);
    clearTimeout(soon);
  });
  void pass();
}
