// The merge of the pod sources (upstream's PodConfig in incremental mode): each source's last
// good set is kept apart; a new SET from a source is compared with what that source said
// before, and the differences come out as operations the pod manager applies in order.
import type { Pod } from '../../api/core/index.ts';
import { ConfigSourceAnnotation } from '../../api/pod/index.ts';
import { ConfigFirstSeenAnnotation, podFullName, type PodSource, type PodUpdate, type SourceErrorHandler } from './types.ts';

/**
 * ADD: new to the node. UPDATE: spec, labels or annotations changed. DELETE: the API server
 * set a deletionTimestamp (terminate gracefully). REMOVE: gone from its source (stop it now).
 * RECONCILE: only the status changed.
 */
export type PodOperation = 'ADD' | 'UPDATE' | 'DELETE' | 'REMOVE' | 'RECONCILE';

export interface PodChange {
  op: PodOperation;
  source: PodSource;
  pods: Pod[];
}

export interface PodConfigOptions {
  /** Called with the changes of every applied update (never with an empty list). */
  onChange?: (changes: PodChange[]) => void;
  /** Pods a source sent that the merge refused (a second pod with the same name). */
  onError?: SourceErrorHandler;
  now?: () => Date;
}

/** RFC 3339 with sub-second digits and trailing zeros dropped, as Go's time.RFC3339Nano. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

export class PodConfig {
  private readonly bySource = new Map<PodSource, Map<string, Pod>>();
  // The objects each source last handed over: the very same object again is unchanged, which
  // keeps a watch event's SET cheap (sources never mutate pods they have handed over).
  private readonly inputs = new Map<PodSource, Map<string, Pod>>();
  private readonly now: () => Date;

  constructor(private readonly opts: PodConfigOptions = {}) {
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Takes a source's full set and returns what changed, in upstream's order: REMOVE, ADD,
   * UPDATE, DELETE, RECONCILE. A source's first SET with nothing to add still yields an
   * empty ADD, which tells the consumer the source has been seen.
   */
  apply(update: PodUpdate): PodChange[] {
    const { source } = update;
    const firstSet = !this.bySource.has(source);
    const before = this.bySource.get(source) ?? new Map<string, Pod>();
    const after = new Map<string, Pod>();
    const lastInputs = this.inputs.get(source);
    const inputs = new Map<string, Pod>();
    const ops: Record<PodOperation, Pod[]> = { ADD: [], UPDATE: [], DELETE: [], REMOVE: [], RECONCILE: [] };

    for (const pod of this.acceptable(source, update.pods)) {
      const uid = pod.metadata.uid as string;
      inputs.set(uid, pod);
      const unchanged = lastInputs?.get(uid) === pod ? before.get(uid) : undefined;
      if (unchanged) {
        after.set(uid, unchanged);
        continue;
      }
      const ref = structuredClone(pod);
      ref.metadata.annotations = { ...(ref.metadata.annotations ?? {}), [ConfigSourceAnnotation]: source };
      const existing = before.get(uid);
      if (!existing) {
        ref.metadata.annotations[ConfigFirstSeenAnnotation] = rfc3339Nano(this.now());
        after.set(uid, ref);
        ops.ADD.push(ref);
        continue;
      }
      ref.metadata.annotations[ConfigFirstSeenAnnotation] = existing.metadata.annotations?.[ConfigFirstSeenAnnotation] ?? rfc3339Nano(this.now());
      after.set(uid, ref);
      if (differSemantically(existing, ref)) (ref.metadata.deletionTimestamp ? ops.DELETE : ops.UPDATE).push(ref);
      else if (!same(existing.status, ref.status)) ops.RECONCILE.push(ref);
    }
    for (const [uid, pod] of before) if (!after.has(uid)) ops.REMOVE.push(pod);
    this.bySource.set(source, after);
    this.inputs.set(source, inputs);

    const changes: PodChange[] = [];
    for (const op of ['REMOVE', 'ADD', 'UPDATE', 'DELETE'] as const) if (ops[op].length) changes.push({ op, source, pods: ops[op] });
    if (firstSet && !ops.ADD.length && !ops.UPDATE.length && !ops.DELETE.length) changes.push({ op: 'ADD', source, pods: [] });
    if (ops.RECONCILE.length) changes.push({ op: 'RECONCILE', source, pods: ops.RECONCILE });
    if (changes.length) this.opts.onChange?.(changes);
    return changes;
  }

  /** The merged desired set: every source's pods, keyed by UID. */
  pods(): Map<string, Pod> {
    const out = new Map<string, Pod>();
    for (const pods of this.bySource.values()) for (const [uid, pod] of pods) out.set(uid, pod);
    return out;
  }

  pod(uid: string): Pod | undefined {
    for (const pods of this.bySource.values()) {
      const p = pods.get(uid);
      if (p) return p;
    }
    return undefined;
  }

  sourcePods(source: PodSource): Pod[] {
    return [...(this.bySource.get(source)?.values() ?? [])];
  }

  /** Whether every one of these sources has sent at least one SET (upstream's SeenAllSources). */
  seenAllSources(sources: Iterable<PodSource>): boolean {
    for (const s of sources) if (!this.bySource.has(s)) return false;
    return true;
  }

  /** Drops pods without a UID and later pods that repeat a full name (upstream's filterInvalidPods). */
  private acceptable(source: PodSource, pods: Pod[]): Pod[] {
    const names = new Set<string>();
    const uids = new Set<string>();
    const out: Pod[] = [];
    for (const pod of pods) {
      const name = podFullName(pod);
      const uid = pod.metadata?.uid;
      if (!uid) {
        this.opts.onError?.(source, `pod ${JSON.stringify(name)} from source ${source} has no UID; ignored`);
      } else if (names.has(name) || uids.has(uid)) {
        this.opts.onError?.(source, `pod ${JSON.stringify(name)} from source ${source} is a duplicate of another pod with the same name; ignored`);
      } else {
        names.add(name);
        uids.add(uid);
        out.push(pod);
      }
    }
    return out;
  }
}

/** What upstream's podsDifferSemantically compares (our own first-seen stamp aside). */
function differSemantically(a: Pod, b: Pod): boolean {
  const annotations = (p: Pod) => {
    const { [ConfigFirstSeenAnnotation]: _seen, ...rest } = p.metadata.annotations ?? {};
    return rest;
  };
  return (
    !same(a.spec, b.spec) ||
    !same(a.metadata.labels ?? {}, b.metadata.labels ?? {}) ||
    !same(annotations(a), annotations(b)) ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    a.metadata.deletionGracePeriodSeconds !== b.metadata.deletionGracePeriodSeconds
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
