// instrumentRelist: wraps the PLEG's relist function so that every relist also sets
// kubelet_running_pods and kubelet_running_containers from what it saw (upstream counts these
// from the runtime cache, which the relist is here), without another call to the runtime.
import type { KubeletMetrics, RuntimePodCounts } from './metrics.ts';

export function instrumentRelist<P extends RuntimePodCounts>(
  relist: () => Promise<Map<string, P>>,
  metrics: Pick<KubeletMetrics, 'observeRuntimePods'>,
): () => Promise<Map<string, P>> {
  return async () => {
    const pods = await relist();
    metrics.observeRuntimePods(pods.values());
    return pods;
  };
}
