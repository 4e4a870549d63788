// Periodic compaction as kube-apiserver does it (--etcd-compaction-interval): every interval,
// compact to the revision observed one interval earlier, so about one interval of history
// stays readable for watch resumption and paginated lists.
import type { Storage } from './interface.ts';

export function startPeriodicCompaction(
  storage: Pick<Storage, 'currentRevision' | 'compact' | 'compactedRevision'>,
  intervalMs: number,
  signal: AbortSignal,
  onError: (err: unknown) => void = () => {},
): void {
  if (intervalMs <= 0 || signal.aborted) return;
  let seen: number | undefined;
  const tick = async () => {
    try {
      const now = await storage.currentRevision();
      if (seen !== undefined && seen > (await storage.compactedRevision())) await storage.compact(seen);
      seen = now;
    } catch (err) {
      if (!signal.aborted) onError(err);
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
