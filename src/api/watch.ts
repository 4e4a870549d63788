// A watch stream's events as plain JSON (upstream's metav1.WatchEvent): an object for ADDED,
// MODIFIED and DELETED; for BOOKMARK one with only metadata.resourceVersion; for ERROR a Status.
import type { StatusReason } from './errors.ts';
import type { KubeObject } from './object.ts';

/** The Status an ERROR event carries; code 410 (Gone) means the watched version expired. */
export interface WatchErrorStatus {
  code?: number;
  reason?: StatusReason;
  message?: string;
}

export type WatchEvent<T extends KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: KubeObject }
  | { type: 'ERROR'; object: WatchErrorStatus };
