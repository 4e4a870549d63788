// Image garbage collection's decisions (upstream's pkg/kubelet/images/image_gc_manager.go), pure:
// the records of images seen and used, which images may go and in which order, how much the
// image filesystem needs freed. The loop that lists, removes and reports is in gcmanager.ts.
import type { Container, Image } from '../runtime/cri/types.ts';

export interface ImageGCPolicy {
  /** Usage (percent of the image filesystem) at or above which images are removed. */
  highThresholdPercent: number;
  /** The usage removal aims for. */
  lowThresholdPercent: number;
  /** An image first seen less than this long ago is never removed for space. */
  minAgeMs: number;
  /** An image unused for longer than this is removed whatever the usage (0: off). */
  maxAgeMs: number;
}

/** What the manager remembers of an image (upstream's imageRecord); times in ms since the epoch. */
export interface ImageRecord {
  firstDetected: number;
  /** 0 while no container was seen using it (upstream's zero time). */
  lastUsed: number;
  size: number;
  pinned: boolean;
}

export interface EvictionCandidate extends ImageRecord {
  id: string;
}

/** Checks the policy as upstream's NewImageGCManager does; throws its message. */
export function validateImageGCPolicy(p: ImageGCPolicy): void {
  if (!inPercentRange(p.highThresholdPercent)) throw new Error(`invalid HighThresholdPercent ${p.highThresholdPercent}, must be in range [0-100]`);
  if (!inPercentRange(p.lowThresholdPercent)) throw new Error(`invalid LowThresholdPercent ${p.lowThresholdPercent}, must be in range [0-100]`);
  if (p.lowThresholdPercent > p.highThresholdPercent) {
    throw new Error(`LowThresholdPercent ${p.lowThresholdPercent} can not be higher than HighThresholdPercent ${p.highThresholdPercent}`);
  }
}

const inPercentRange = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;

/** Upstream's StartGarbageCollection: high 100 with no maximum age stubs image GC out. */
export function imageGCDisabled(p: ImageGCPolicy): boolean {
  return p.highThresholdPercent === 100 && p.maxAgeMs === 0;
}

/**
 * The image IDs in use: every container's, running or not (upstream counts all of the runtime's
 * containers), plus the sandbox images, which the kubelet never removes (--pod-infra-container-image
 * and the one the runtime reports).
 */
export function imagesInUse(images: readonly Image[], containers: readonly Container[], sandboxImages: readonly string[] = []): Set<string> {
  const used = new Set<string>();
  const byRef = new Map<string, string>();
  for (const img of images) {
    byRef.set(img.id, img.id);
    for (const r of [...img.repoTags, ...img.repoDigests]) byRef.set(r, img.id);
  }
  const resolve = (ref: string | undefined) => (ref ? byRef.get(ref) ?? byRef.get(normalizeRef(ref)) : undefined);
  for (const c of containers) {
    const id = resolve(c.imageRef) ?? resolve(c.imageId) ?? resolve(c.image?.image);
    if (id) used.add(id);
  }
  for (const ref of sandboxImages) {
    const sandbox = resolve(ref);
    if (sandbox) used.add(sandbox);
  }
  return used;
}

/** The sandbox image a runtime names in its verbose Status (containerd's CRI config `sandboxImage`). */
export function sandboxImageFromStatusInfo(info: Record<string, string> | undefined): string | undefined {
  try {
    const config: unknown = JSON.parse(info?.config ?? '');
    const image = (config as { sandboxImage?: unknown } | null)?.sandboxImage;
    return typeof image === 'string' && image ? image : undefined;
  } catch {
    return undefined;
  }
}

/** A Docker-style short reference as containerd lists it (busybox → docker.io/library/busybox:latest). */
function normalizeRef(ref: string): string {
  if (ref.startsWith('sha256:')) return ref;
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  let named = ref;
  if (slash < 0) named = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') named = `docker.io/${ref}`;
  if (named.includes('@')) return named;
  return named.slice(named.lastIndexOf('/') + 1).includes(':') ? named : `${named}:latest`;
}

/**
 * Upstream's detectImages: records images not seen before as detected at `detectTime`, marks the
 * ones in use as used `now`, refreshes size and pinning, forgets images that are gone.
 */
export function detectImages(records: Map<string, ImageRecord>, images: readonly Image[], inUse: ReadonlySet<string>, detectTime: number, now: number): void {
  const current = new Set<string>();
  for (const img of images) {
    current.add(img.id);
    let rec = records.get(img.id);
    if (!rec) records.set(img.id, (rec = { firstDetected: detectTime, lastUsed: 0, size: 0, pinned: false }));
    if (inUse.has(img.id)) rec.lastUsed = now;
    rec.size = Number(img.size) || 0;
    rec.pinned = img.pinned === true;
  }
  for (const id of records.keys()) if (!current.has(id)) records.delete(id);
}

/** Images neither in use nor pinned, least recently used first, ties broken by first detection. */
export function imagesInEvictionOrder(records: ReadonlyMap<string, ImageRecord>, inUse: ReadonlySet<string>): EvictionCandidate[] {
  const out: EvictionCandidate[] = [];
  for (const [id, rec] of records) if (!inUse.has(id) && !rec.pinned) out.push({ id, ...rec });
  return out.sort((a, b) => (a.lastUsed !== b.lastUsed ? a.lastUsed - b.lastUsed : a.firstDetected - b.firstDetected));
}

/**
 * The images removed for age (unused for longer than maxAge), once the kubelet's image GC has run
 * for longer than maxAge (so nothing goes before the kubelet could see it used).
 */
export function tooOldImages(candidates: readonly EvictionCandidate[], p: ImageGCPolicy, freeTime: number, beganGC: number): EvictionCandidate[] {
  if (p.maxAgeMs === 0 || freeTime - beganGC <= p.maxAgeMs) return [];
  return candidates.filter((c) => freeTime - c.lastUsed > p.maxAgeMs);
}

export interface ImageFsUsage {
  capacityBytes: number;
  availableBytes: number;
}

export type SpaceVerdict =
  | { kind: 'invalid'; message: string }
  | { kind: 'ok'; usagePercent: number }
  | { kind: 'free'; usagePercent: number; amountToFree: number };

/** Whether the image filesystem is past the high threshold, and how much to free to reach the low one. */
export function spaceToFree(fs: ImageFsUsage, p: ImageGCPolicy): SpaceVerdict {
  const capacity = Math.trunc(fs.capacityBytes);
  const available = Math.min(Math.trunc(fs.availableBytes), capacity);
  if (capacity === 0) return { kind: 'invalid', message: 'invalid capacity 0 on image filesystem' };
  const usagePercent = 100 - Math.trunc((available * 100) / capacity);
  if (usagePercent < p.highThresholdPercent) return { kind: 'ok', usagePercent };
  const amountToFree = Math.trunc((capacity * (100 - p.lowThresholdPercent)) / 100) - available;
  return { kind: 'free', usagePercent, amountToFree };
}

/** Candidates eligible for removal for space: not used since freeTime began, and old enough. */
export function eligibleForSpace(candidates: readonly EvictionCandidate[], p: ImageGCPolicy, freeTime: number): EvictionCandidate[] {
  return candidates.filter((c) => c.lastUsed < freeTime && freeTime - c.firstDetected >= p.minAgeMs);
}

/** Upstream's FreeDiskSpaceFailed message (also the ImageGCFailed event's on a repeated failure). */
export function freeSpaceFailedMessage(amountToFree: number, freed: number): string {
  return `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
}

/** The first candidates whose sizes add up to amount (all of them when they do not). */
export function takeUntilFreed(eligible: readonly EvictionCandidate[], amount: number): EvictionCandidate[] {
  const out: EvictionCandidate[] = [];
  let freed = 0;
  for (const c of eligible) {
    if (freed >= amount) break;
    out.push(c);
    freed += c.size;
  }
  return out;
}

export interface ImageGCPlan {
  /** Removed first, for age. */
  byAge: EvictionCandidate[];
  /** Then, in this order, for space. */
  bySpace: EvictionCandidate[];
  verdict: SpaceVerdict;
  /** Present when the images that may go cannot free enough: the failure event's message. */
  failure?: string;
}

/**
 * One pass's whole decision, when every removal succeeds: images + containers + usage + clock →
 * which images go, in order. `fs` is the usage as it will be read after the removals for age.
 */
export function planImageGC(candidates: readonly EvictionCandidate[], fs: ImageFsUsage, p: ImageGCPolicy, freeTime: number, beganGC: number): ImageGCPlan {
  const byAge = tooOldImages(candidates, p, freeTime, beganGC);
  const gone = new Set(byAge.map((c) => c.id));
  const verdict = spaceToFree(fs, p);
  if (verdict.kind !== 'free') return { byAge, bySpace: [], verdict };
  const bySpace = takeUntilFreed(eligibleForSpace(candidates.filter((c) => !gone.has(c.id)), p, freeTime), verdict.amountToFree);
  const freed = bySpace.reduce((a, c) => a + c.size, 0);
  return { byAge, bySpace, verdict, ...(freed < verdict.amountToFree ? { failure: freeSpaceFailedMessage(verdict.amountToFree, freed) } : {}) };
}
