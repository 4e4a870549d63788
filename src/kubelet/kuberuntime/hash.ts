// The container hash stored in `io.kubernetes.container.hash`. As upstream since 1.31, only the
// fields the API lets change on a running pod are hashed (name and image); everything else is
// immutable, so a kubelet restart or upgrade never sees a different hash for the same spec.
import type { Container } from '../../api/core/index.ts';

/** 32-bit FNV-1a over UTF-8 bytes. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The hash as upstream prints it in the annotation: lower-case hex without padding. */
export function hashContainer(container: Container): string {
  // Keys in sorted order, as Go's json.Marshal writes a map.
  const json = JSON.stringify({ image: container.image ?? '', name: container.name });
  return fnv32a(json).toString(16);
}
