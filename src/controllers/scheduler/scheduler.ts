// The scheduler loop (kube-scheduler's default profile, trimmed): watches pods and nodes in the
// API server's caches, places each pending pod with findFit, binds it through pods/binding, and
// reports failures as upstream does (PodScheduled=False/Unschedulable plus a FailedScheduling
// event). Pods it has bound but the cache has not yet shown are "assumed", so two pods never
// take the same last slot.
import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { isStatusError } from '../../api/errors.ts';
import type { Event, Node, Pod } from '../../api/core/index.ts';
import type { CacheEvent, PodClient, ResourceClient } from '../../apiserver/client.ts';
import { objectKeyOf } from './cache.ts';
import { repeatEvent, schedulerEvent, schedulerName, withUnschedulableCondition } from './events.ts';
import { findFit } from './fit.ts';
import { failureMessage } from './message.ts';
import { SchedulingQueue } from './queue.ts';
import { isTerminal } from '../../api/scheduling/requests.ts';

export type Binder = (pod: Pod, nodeName: string) => Promise<void>;

export interface SchedulerDeps {
  pods: PodClient;
  nodes: ResourceClient<Node>;
  events: ResourceClient<Event>;
  signal: AbortSignal;
  now?: () => Date;
  log?: (msg: string) => void;
  /** How pods get bound; default: the pods/binding subresource. */
  bind?: Binder;
  /** Parked (unschedulable) pods are retried at least this often. */
  retryPeriodMs?: number;
}

/** Pods this scheduler is responsible for placing. */
export function needsScheduling(pod: Pod): boolean {
  const name = pod.spec?.schedulerName;
  return !pod.spec?.nodeName && (!name || name === schedulerName) && !pod.metadata.deletionTimestamp && !isTerminal(pod);
}

/** Binds through the pods/binding subresource. */
export function subresourceBinder(pods: PodClient): Binder {
  return async (pod, nodeName) => {
    await pods.bind(pod.metadata.namespace ?? '', { metadata: { name: pod.metadata.name, uid: pod.metadata.uid }, target: { kind: 'Node', name: nodeName } });
  };
}

/** The parts of a node that can change where pods fit (not heartbeats). */
function schedulingView(node: Node | undefined): unknown {
  if (!node) return undefined;
  return {
    labels: node.metadata.labels,
    taints: node.spec?.taints,
    unschedulable: node.spec?.unschedulable,
    allocatable: node.status?.allocatable,
    conditions: (node.status?.conditions ?? []).map((c) => [c?.type, c?.status]),
  };
}

function groupByNode(pods: Iterable<Pod>): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || isTerminal(pod)) continue;
    const list = out.get(node);
    if (list) list.push(pod);
    else out.set(node, [pod]);
  }
  return out;
}

interface Recorded {
  event: Event;
  message: string;
}

export function runScheduler(d: SchedulerDeps): void {
  const now = d.now ?? (() => new Date());
  const log = d.log ?? (() => {});
  const bind = d.bind ?? subresourceBinder(d.pods);
  const retryPeriodMs = d.retryPeriodMs ?? 15_000;
  const reportingInstance = `${schedulerName}-${hostname()}`;
  const queue = new SchedulingQueue();
  /** Pods bound by us whose binding the cache has not shown yet: key → pod with spec.nodeName. */
  const assumed = new Map<string, Pod>();
  /** The last FailedScheduling event per pod, to count repeats instead of piling up events. */
  const lastFailure = new Map<string, Recorded>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;

  /** After a cycle or a binding that failed: the next attempt, when one is due. */
  const scheduleNext = () => {
    const next = queue.nextReadyAt();
    if (again) kick();
    else if (next !== undefined) kick(next - now().getTime());
  };

  const kick = (delay = 0) => {
    if (d.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => void cycle(), Math.max(0, delay));
  };

  const onPodEvents = (events: CacheEvent<Pod>[]) => {
    for (const ev of events) {
      const pod = ev.object;
      const key = objectKeyOf(pod);
      const prev = ev.prevObject;
      if (pod.spec?.nodeName || ev.type === 'DELETED') assumed.delete(key);
      if (ev.type === 'DELETED') {
        queue.delete(key);
        lastFailure.delete(key);
        if (pod.spec?.nodeName) queue.unparkAll();
        continue;
      }
      if (needsScheduling(pod)) {
        // Our own status writes must not retrigger an attempt; a changed spec or labels may help.
        const relevant = !queue.has(key) || !prev || !isDeepStrictEqual(prev.spec, pod.spec) || !isDeepStrictEqual(prev.metadata.labels, pod.metadata.labels);
        if (relevant) queue.add(key);
        continue;
      }
      queue.delete(key);
      lastFailure.delete(key);
      // A bound pod that finished frees its resources.
      if (pod.spec?.nodeName && isTerminal(pod) && prev && !isTerminal(prev)) queue.unparkAll();
    }
    kick();
  };

  const onNodeEvents = (events: CacheEvent<Node>[]) => {
    const changed = events.some((ev) => ev.type === 'ADDED' || (ev.type === 'MODIFIED' && !isDeepStrictEqual(schedulingView(ev.prevObject), schedulingView(ev.object))));
    if (changed) {
      queue.unparkAll();
      kick();
    }
  };

  const recordFailure = async (pod: Pod, message: string) => {
    const key = objectKeyOf(pod);
    const at = now();
    const ns = pod.metadata.namespace ?? '';
    try {
      await d.pods.guaranteedUpdate(ns, pod.metadata.name!, (cur) => (cur.metadata.uid === pod.metadata.uid && needsScheduling(cur) ? withUnschedulableCondition(cur, message, at) ?? cur : cur), 'status');
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) log(`scheduler: updating status of pod ${key}: ${(e as Error).message}`);
    }
    const last = lastFailure.get(key);
    try {
      if (last && last.message === message) {
        try {
          last.event = await d.events.guaranteedUpdate(ns, last.event.metadata.name!, (ev) => repeatEvent(ev, at));
          return;
        } catch (e) {
          if (!isStatusError(e, 'NotFound')) throw e;
        }
      }
      const event = await d.events.create(ns, schedulerEvent({ pod, type: 'Warning', reason: 'FailedScheduling', message, now: at, reportingInstance }));
      lastFailure.set(key, { event, message });
    } catch (e) {
      log(`scheduler: recording event for pod ${key}: ${(e as Error).message}`);
    }
  };

  const scheduleOne = async (pod: Pod, nodes: Node[], podsByNode: Map<string, Pod[]>) => {
    const key = objectKeyOf(pod);
    const fit = findFit(pod, nodes, podsByNode);
    if (!fit.node) {
      queue.failed(key, now().getTime());
      await recordFailure(pod, failureMessage(pod, fit, nodes.length));
      return;
    }
    const placed = structuredClone(pod);
    placed.spec.nodeName = fit.node;
    assumed.set(key, placed);
    podsByNode.set(fit.node, [...(podsByNode.get(fit.node) ?? []), placed]);
    try {
      await bind(pod, fit.node);
    } catch (e) {
      assumed.delete(key);
      const list = podsByNode.get(fit.node)!;
      list.splice(list.indexOf(placed), 1);
      // Already bound, deleted, or being deleted: nothing left for us to do.
      if (isStatusError(e, 'NotFound') || isStatusError(e, 'Conflict')) queue.delete(key);
      else queue.retry(key, now().getTime());
      log(`scheduler: binding pod ${key} to ${fit.node}: ${(e as Error).message}`);
      if (!running) scheduleNext();
      return;
    }
    queue.delete(key);
    lastFailure.delete(key);
    log(`scheduler: bound pod ${key} to ${fit.node}`);
    const event = schedulerEvent({ pod, type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${key} to ${fit.node}`, now: now(), reportingInstance });
    await d.events.create(pod.metadata.namespace ?? '', event).catch((e) => log(`scheduler: recording event for pod ${key}: ${(e as Error).message}`));
  };

  const cycle = async () => {
    running = true;
    again = false;
    try {
      const ready = queue.ready(now().getTime());
      if (ready.length === 0) return;
      const pods = d.pods.cache.list().items;
      const byKey = new Map(pods.map((p) => [objectKeyOf(p), p]));
      // Assumed pods count until the cache shows their binding (or they are gone).
      for (const [key, placed] of assumed) {
        const cached = byKey.get(key);
        if (!cached || cached.metadata.uid !== placed.metadata.uid || cached.spec?.nodeName) assumed.delete(key);
      }
      const podsByNode = groupByNode([...pods.filter((p) => !assumed.has(objectKeyOf(p))), ...assumed.values()]);
      const nodes = d.nodes.cache.list().items;
      // Decisions are made one pod at a time (each assumes its node before the next is placed);
      // the bindings run on their own, as upstream's binding cycle does: the next cycle need not
      // wait for them (the assumed pods hold their places). Failures to place are recorded here.
      const failures: Promise<void>[] = [];
      for (const key of ready) {
        if (d.signal.aborted) break;
        const pod = byKey.get(key);
        if (!pod || !needsScheduling(pod) || assumed.has(key)) {
          queue.delete(key);
          continue;
        }
        const placing = scheduleOne(pod, nodes, podsByNode);
        if (assumed.has(key)) placing.catch((e) => log(`scheduler: binding pod ${key}: ${(e as Error).message}`));
        else failures.push(placing);
      }
      await Promise.all(failures);
    } catch (e) {
      log(`scheduler: ${(e as Error).message}`);
    } finally {
      running = false;
      scheduleNext();
    }
  };

  const pods = d.pods.cache.list();
  for (const pod of pods.items) if (needsScheduling(pod)) queue.add(objectKeyOf(pod));
  d.pods.cache.watch(pods.revision, onPodEvents, d.signal);
  const nodes = d.nodes.cache.list();
  d.nodes.cache.watch(nodes.revision, onNodeEvents, d.signal);
  const flush = setInterval(() => {
    queue.unparkAll();
    kick();
  }, retryPeriodMs);
  d.signal.addEventListener('abort', () => {
    clearTimeout(timer);
    clearInterval(flush);
  });
  kick();
}
