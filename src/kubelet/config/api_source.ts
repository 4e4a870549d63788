// The API server source (upstream's pkg/kubelet/config/apiserver.go, a reflector): list the
// pods bound to this node, then watch from the list's resourceVersion. A watch that ends is
// resumed from the last version seen; 410 Gone (an expired version) means list again; other
// failures back off. Every change emits the node's whole set, which the merge diffs.
import type { Pod } from '../../api/core/index.ts';
import type { WatchEvent } from '../../api/watch.ts';
import { realClock, type Clock } from '../clock.ts';
import { Backoff } from '../backoff.ts';
import type { SourceErrorHandler, UpdateHandler } from './types.ts';

export type PodWatchEvent = WatchEvent<Pod>;

/** The few API calls the source needs: the kubelet's client adapts to it (see kubeClientPodListWatch). */
export interface PodListWatch {
  list(o: { fieldSelector: string; signal: AbortSignal }): Promise<{ items: Pod[]; resourceVersion: string }>;
  /**
   * Events from resourceVersion until the stream ends (the iteration finishes) or fails (it
   * throws; an error with `code: 410` means the version expired). An ERROR event may arrive
   * as an event instead. Breaking out of the iteration must close the stream.
   */
  watch(o: { fieldSelector: string; resourceVersion: string; signal: AbortSignal }): AsyncIterable<PodWatchEvent>;
}

export interface ApiSourceOptions {
  client: PodListWatch;
  nodeName: string;
  signal: AbortSignal;
  onUpdate: UpdateHandler;
  onError?: SourceErrorHandler;
  clock?: Clock;
  /** Backoff after failures (defaults as upstream's reflector: 800 ms doubling to 30 s). */
  backoff?: { initialMs: number; maxMs: number };
}

/** Why the watch loop stopped: list again, after a pause or not. */
class Relist extends Error {
  constructor(readonly pause: boolean, message: string) {
    super(message);
  }
}

function isGone(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { code?: unknown }).code === 410;
}

/** Runs the API source until the signal aborts. */
export async function watchApiSource(o: ApiSourceOptions): Promise<void> {
  const clock = o.clock ?? realClock;
  const fieldSelector = `spec.nodeName=${o.nodeName}`;
  const backoff = new Backoff({ initialMs: o.backoff?.initialMs ?? 800, maxMs: o.backoff?.maxMs ?? 30_000, jitter: 0 });
  const pods = new Map<string, Pod>();
  const emit = () => o.onUpdate({ op: 'SET', source: 'api', pods: [...pods.values()] });
  const fail = async (message: string) => {
    o.onError?.('api', message);
    await clock.sleep(backoff.next(), o.signal);
  };

  while (!o.signal.aborted) {
    let rv: string;
    try {
      const list = await o.client.list({ fieldSelector, signal: o.signal });
      pods.clear();
      for (const p of list.items) if (p.metadata?.uid) pods.set(p.metadata.uid, p);
      rv = list.resourceVersion;
      emit();
    } catch (e) {
      if (o.signal.aborted) break;
      await fail(`listing pods for node ${o.nodeName}: ${(e as Error).message}`);
      continue;
    }
    // Watch, resuming from the last version, until something says list again.
    while (!o.signal.aborted) {
      try {
        let healthy = false;
        for await (const ev of o.client.watch({ fieldSelector, resourceVersion: rv, signal: o.signal })) {
          if (ev.type === 'ERROR') {
            const s = ev.object;
            throw new Relist(!isGone(s), `watch error: ${s.message ?? 'unknown'} (code ${s.code ?? '?'})`);
          }
          rv = ev.object?.metadata?.resourceVersion ?? rv;
          if (!healthy) {
            healthy = true;
            backoff.reset();
          }
          if (ev.type === 'BOOKMARK') continue;
          const uid = ev.object?.metadata?.uid;
          if (!uid) continue;
          if (ev.type === 'DELETED') pods.delete(uid);
          else pods.set(uid, ev.object);
          emit();
        }
        // The server ended the stream (its timeout): resume from rv at once.
      } catch (e) {
        if (o.signal.aborted) break;
        if (e instanceof Relist) {
          if (e.pause) await fail(e.message);
          break;
        }
        if (isGone(e)) break; // expired: list again without waiting
        await fail(`watching pods for node ${o.nodeName}: ${(e as Error).message}`);
      }
    }
  }
}
