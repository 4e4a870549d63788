// Container garbage collection (upstream's kuberuntime_gc.go): exited containers beyond the
// newest per (pod, container name) are removed (the newest stays for `kubectl logs --previous`),
// everything of deleted pods goes, dead sandboxes without containers go (the newest stays for a
// live pod), and the log directories of deleted pods are removed.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, type CriClient, type Container, type PodSandbox } from '../runtime/cri/client.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './labels.ts';
import { DEFAULT_POD_LOGS_ROOT } from './sandbox.ts';

export interface GCPolicy {
  /** Exited containers younger than this are kept (upstream's MinAge, default 0). */
  minAgeMs: number;
  /** Exited containers kept per (pod, container name), newest first (default 1). */
  maxPerPodContainer: number;
}

export const DEFAULT_GC_POLICY: GCPolicy = { minAgeMs: 0, maxPerPodContainer: 1 };

export interface GCOptions {
  /** True when the kubelet no longer has the pod (deleted, or its static manifest is gone). */
  isPodDeleted: (uid: string) => boolean;
  now: () => Date;
  policy?: Partial<GCPolicy>;
  podLogsRoot?: string;
  signal?: AbortSignal;
}

export interface GCResult { containers: string[]; sandboxes: string[]; logDirs: string[]; errors: string[] }

const nsToMs = (ns: number) => Math.floor(ns / 1_000_000);

/** Which exited containers to remove (pure): per (uid, name), all but the newest `keep`; all for deleted pods. */
export function evictableContainers(containers: Container[], isPodDeleted: (uid: string) => boolean, policy: GCPolicy, nowMs: number): Container[] {
  const groups = new Map<string, Container[]>();
  for (const c of containers) {
    if (c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_UNKNOWN') continue;
    if (policy.minAgeMs > 0 && nowMs - nsToMs(c.createdAt) < policy.minAgeMs) continue;
    const uid = c.labels[LABEL_POD_UID];
    if (!uid) continue; // not the kubelet's
    const key = `${uid}/${c.labels[LABEL_CONTAINER_NAME] ?? c.metadata?.name ?? ''}`;
    const g = groups.get(key) ?? [];
    g.push(c);
    groups.set(key, g);
  }
  const out: Container[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => b.createdAt - a.createdAt);
    const keep = isPodDeleted(g[0].labels[LABEL_POD_UID]) ? 0 : policy.maxPerPodContainer;
    out.push(...g.slice(Math.max(0, keep)));
  }
  return out;
}

/** Not-ready sandboxes with no containers left: all of a deleted pod, all but the newest otherwise (pure). */
export function evictableSandboxes(sandboxes: PodSandbox[], containers: Container[], isPodDeleted: (uid: string) => boolean): PodSandbox[] {
  const used = new Set(containers.map((c) => c.podSandboxId));
  const byPod = new Map<string, PodSandbox[]>();
  for (const sb of sandboxes) {
    const uid = sb.labels[LABEL_POD_UID];
    if (!uid) continue;
    const g = byPod.get(uid) ?? [];
    g.push(sb);
    byPod.set(uid, g);
  }
  const out: PodSandbox[] = [];
  for (const [uid, g] of byPod) {
    g.sort((a, b) => b.createdAt - a.createdAt);
    const deleted = isPodDeleted(uid);
    g.forEach((sb, i) => {
      if (sb.state === 'SANDBOX_READY' || used.has(sb.id)) return;
      if (!deleted && i === 0) return; // the newest one of a live pod stays
      out.push(sb);
    });
  }
  return out;
}

export async function garbageCollect(cri: CriClient, opts: GCOptions): Promise<GCResult> {
  const policy = { ...DEFAULT_GC_POLICY, ...opts.policy };
  const result: GCResult = { containers: [], sandboxes: [], logDirs: [], errors: [] };
  const o = { signal: opts.signal };
  const containers = await cri.listContainers(undefined, o);
  for (const c of evictableContainers(containers, opts.isPodDeleted, policy, opts.now().getTime())) {
    try {
      await cri.removeContainer(c.id, o);
      result.containers.push(c.id);
    } catch (err) {
      if (!isNotFound(err)) result.errors.push(`container ${c.id}: ${(err as Error).message}`);
    }
  }
  const [sandboxes, remaining] = await Promise.all([cri.listPodSandbox(undefined, o), cri.listContainers(undefined, o)]);
  for (const sb of evictableSandboxes(sandboxes, remaining, opts.isPodDeleted)) {
    try {
      await cri.removePodSandbox(sb.id, o);
      result.sandboxes.push(sb.id);
    } catch (err) {
      if (!isNotFound(err)) result.errors.push(`sandbox ${sb.id}: ${(err as Error).message}`);
    }
  }
  // Log directories of deleted pods that have nothing left in the runtime.
  const root = opts.podLogsRoot ?? DEFAULT_POD_LOGS_ROOT;
  const stillThere = new Set([
    ...sandboxes.filter((s) => !result.sandboxes.includes(s.id)).map((s) => s.labels[LABEL_POD_UID]),
    ...remaining.map((c) => c.labels[LABEL_POD_UID]),
  ]);
  let dirs: string[] = [];
  try { dirs = await readdir(root); } catch { /* no log root yet */ }
  for (const d of dirs) {
    const uid = d.slice(d.lastIndexOf('_') + 1);
    if (!uid || !opts.isPodDeleted(uid) || stillThere.has(uid)) continue;
    try {
      await rm(join(root, d), { recursive: true, force: true });
      result.logDirs.push(d);
    } catch (err) {
      result.errors.push(`log dir ${d}: ${(err as Error).message}`);
    }
  }
  return result;
}
