// Upstream's runtime cache (pkg/kubelet/container/runtime_cache.go): the runtime's sandboxes and
// containers as last listed, listed again only once older than its period. The PLEG lists every
// second through it, so housekeeping (every 2 s) takes the PLEG's answer instead of asking the
// runtime again, and lists on its own only when relisting has stalled.
import type { Clock } from '../clock.ts';
import type { Container, CriClient, PodSandbox } from '../runtime/cri/client.ts';

/** Upstream's runtimeCacheRefreshPeriod: the housekeeping period plus its warning duration. */
export const RUNTIME_CACHE_PERIOD_MS = 3_000;

export interface RuntimeListing {
  sandboxes: PodSandbox[];
  containers: Container[];
}

export class RuntimeCache {
  private last: (RuntimeListing & { at: number }) | undefined;

  constructor(
    private readonly cri: Pick<CriClient, 'listPodSandbox' | 'listContainers'>,
    private readonly clock: Clock,
    private readonly periodMs = RUNTIME_CACHE_PERIOD_MS,
  ) {}

  /** Lists now and keeps the answer, timed from before the calls (as upstream's cache time). */
  async list(signal?: AbortSignal): Promise<RuntimeListing> {
    const at = this.clock.now().getTime();
    const opts = signal && { signal };
    const [sandboxes, containers] = await Promise.all([this.cri.listPodSandbox(undefined, opts), this.cri.listContainers(undefined, opts)]);
    // A listing that started earlier but answered later must not replace a newer one.
    if (!this.last || this.last.at <= at) this.last = { at, sandboxes, containers };
    return { sandboxes, containers };
  }

  /** The kept listing while it is no older than the period, otherwise a new one. */
  get(signal?: AbortSignal): Promise<RuntimeListing> {
    const last = this.last;
    if (last && this.clock.now().getTime() - last.at <= this.periodMs) return Promise.resolve(last);
    return this.list(signal);
  }
}
