// An optional capability beyond the Storage contract (interface.ts is shared and frozen):
// "did anything under this prefix change between two revisions?". The watch cache uses it to
// prove it is complete up to a revision when its own prefix saw no events (revisions are
// global, so a quiet resource would otherwise never catch up to another resource's writes).
// Once compaction has passed the cache's revision, that history is gone; the cache then
// compares what it holds with the keys' revisions now (modRevisionsAt).
import type { Storage } from './interface.ts';

export interface ChangeDetector {
  /**
   * True when some key under prefix was written (put or delete) at a revision in
   * (afterRevision, atRevision]. Rejects with StorageError 'Compacted' when afterRevision is
   * no longer readable.
   */
  changedBetween(prefix: string, afterRevision: number, atRevision: number): Promise<boolean>;
  /** Every key under prefix at revision atRevision, with its modRevision (values are not read). */
  modRevisionsAt(prefix: string, atRevision: number): Promise<Map<string, number>>;
}

export function canDetectChanges(storage: Storage): storage is Storage & ChangeDetector {
  const detector = storage as Partial<ChangeDetector>;
  return typeof detector.changedBetween === 'function' && typeof detector.modRevisionsAt === 'function';
}
