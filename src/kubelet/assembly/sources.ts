// The pod sources, assembled: the static pod directory (--pod-manifest-path), the manifest URL
// (--manifest-url) and the API server, merged by PodConfig, whose changes wait on a channel for
// the sync loop (upstream's PodConfig.Updates()).
import type { ApiClient, KubeClient } from '../client/client.ts';
import type { Clock } from '../clock.ts';
import { kubeClientPodListWatch, PodConfig, watchApiSource, watchFileSource, watchHttpSource, type PodChange, type PodSource, type PodUpdate } from '../config/index.ts';
import type { Logger } from '../log.ts';
import type { KubeletOptions } from '../options/options.ts';
import { BoundedChannel } from '../pleg/index.ts';

export interface PodSourcesDeps {
  options: Pick<KubeletOptions, 'staticPodPath' | 'fileCheckFrequencyMs' | 'manifestURL' | 'manifestURLHeader' | 'httpCheckFrequencyMs'>;
  nodeName: string;
  /** The API source runs when the client can watch. */
  api?: ApiClient & Partial<Pick<KubeClient, 'watch'>>;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
}

export interface PodSources {
  /** The merge's changes, in order, for the sync loop. */
  updates: BoundedChannel<PodChange[]>;
  /** Whether every configured source has sent its first set. */
  ready(): boolean;
  /** Starts every source's loop. */
  run(): Promise<void>[];
}

/**
 * Pod changes waiting for the sync loop: unbounded, since PodConfig has already applied each
 * list (a dropped REMOVE would never stop its pod) and upstream blocks the sender rather than
 * drop one. The loop takes one each iteration and never waits on pod work, so it stays short.
 */
export function newPodUpdatesChannel(): BoundedChannel<PodChange[]> {
  return new BoundedChannel<PodChange[]>(Infinity);
}

export function newPodSources(d: PodSourcesDeps): PodSources {
  const { options: o, clock, log, signal } = d;
  const updates = newPodUpdatesChannel();
  const onError = (source: PodSource, message: string) => log.error('Pod source failed', undefined, { source, message });
  const config = new PodConfig({
    onChange: (changes) => {
      updates.trySend(changes);
    },
    onError,
  });
  const apply = (u: PodUpdate) => void config.apply(u);
  const runners = new Map<PodSource, () => Promise<void>>();
  if (o.staticPodPath) {
    const path = o.staticPodPath;
    runners.set('file', () => watchFileSource({ path, nodeName: d.nodeName, periodMs: o.fileCheckFrequencyMs, signal, onUpdate: apply, onError, clock }));
  }
  if (o.manifestURL) {
    const url = o.manifestURL;
    runners.set('http', () => watchHttpSource({ url, headers: o.manifestURLHeader, nodeName: d.nodeName, periodMs: o.httpCheckFrequencyMs, signal, onUpdate: apply, onError, clock }));
  }
  if (d.api?.watch) {
    const client = kubeClientPodListWatch(d.api as KubeClient);
    runners.set('api', () => watchApiSource({ client, nodeName: d.nodeName, signal, onUpdate: apply, onError, clock }));
  }
  return {
    updates,
    ready: () => config.seenAllSources(runners.keys()),
    run: () => [...runners.values()].map((run) => run()),
  };
}
