// The kubelet's REST client as the API source's PodListWatch. The client's watch already
// resumes from the last version after a dropped connection and throws 410 when it expired.
import type { Pod } from '../../api/core/index.ts';
import type { KubeClient } from '../client/client.ts';
import type { PodListWatch, PodWatchEvent } from './api_source.ts';

export function kubeClientPodListWatch(client: Pick<KubeClient, 'list' | 'watch'>): PodListWatch {
  return {
    async list({ fieldSelector, signal }) {
      const list = await client.list<Pod>('/api/v1/pods', { query: { fieldSelector }, signal });
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch({ fieldSelector, resourceVersion, signal }): AsyncIterable<PodWatchEvent> {
      return client.watch<Pod>('/api/v1/pods', { fieldSelector, resourceVersion, signal });
    },
  };
}
