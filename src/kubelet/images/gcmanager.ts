// The image garbage collector's loops (upstream's realImageGCManager and StartGarbageCollection):
// every 5 minutes the images are detected (first seen, last used), and every 5 minutes, from the
// start, images unused past imageMaximumGCAge go, then, when the image filesystem is at or above
// imageGCHighThresholdPercent, unused images least recently used first until it is back at the low
// threshold. What to remove is decided in gc.ts; this file lists, removes and reports.
import { formatDuration } from '../../api/duration.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import {
  detectImages, eligibleForSpace, sandboxImageFromStatusInfo, freeSpaceFailedMessage, imageGCDisabled, imagesInEvictionOrder, imagesInUse, spaceToFree, tooOldImages,
  validateImageGCPolicy, type EvictionCandidate, type ImageFsUsage, type ImageGCPolicy, type ImageRecord,
} from './gc.ts';

/** Upstream's ImageGCPeriod, and the period of its image detection. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

export interface ImageGCManagerDeps {
  cri: Pick<CriClient, 'listImages' | 'listContainers' | 'removeImage'>;
  /** The image filesystem's capacity and available bytes (upstream's ImageFsStats). */
  imageFsStats: () => Promise<ImageFsUsage>;
  /** Events on the Node. */
  events: { nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void };
  policy: ImageGCPolicy;
  /** The sandbox images, never removed (--pod-infra-container-image, the runtime's own). */
  sandboxImages?: () => Promise<string[]>;
  clock: Clock;
  log: Logger;
  /** Counts a removal (kubelet_image_garbage_collected_total). */
  onRemoved?: (reason: 'age' | 'space') => void;
  periodMs?: number;
}

/** The sandbox image the runtime says it uses (CRI Status, verbose); undefined when it does not say. */
export async function runtimeSandboxImage(cri: Pick<CriClient, 'status'>): Promise<string | undefined> {
  try {
    return sandboxImageFromStatusInfo((await cri.status(true, { timeoutMs: 10_000 })).info);
  } catch {
    return undefined;
  }
}

export class ImageGCManager {
  private readonly records = new Map<string, ImageRecord>();
  private readonly periodMs: number;

  constructor(private readonly d: ImageGCManagerDeps) {
    validateImageGCPolicy(d.policy);
    this.periodMs = d.periodMs ?? IMAGE_GC_PERIOD_MS;
  }

  /** What the manager knows of an image (tests, debugging). */
  record(id: string): Readonly<ImageRecord> | undefined {
    return this.records.get(id);
  }

  /** Lists images and containers and updates the records; returns the images in use. */
  async detect(detectTime: number, signal?: AbortSignal): Promise<Set<string>> {
    const [images, containers] = await Promise.all([this.d.cri.listImages(undefined, { signal }), this.d.cri.listContainers(undefined, { signal })]);
    const inUse = imagesInUse(images, containers, (await this.d.sandboxImages?.()) ?? []);
    detectImages(this.records, images, inUse, detectTime, this.now());
    return inUse;
  }

  /**
   * One pass (upstream's GarbageCollect): removes images too old, then frees space when over the
   * high threshold. Throws when it could not do what the policy asks.
   */
  async garbageCollect(beganGC: number, signal?: AbortSignal): Promise<void> {
    const freeTime = this.now();
    const inUse = await this.detect(freeTime, signal);
    let candidates = imagesInEvictionOrder(this.records, inUse);
    candidates = await this.freeOldImages(candidates, freeTime, beganGC, signal);

    const verdict = spaceToFree(await this.d.imageFsStats(), this.d.policy);
    if (verdict.kind === 'invalid') {
      this.d.events.nodeEvent('Warning', 'InvalidDiskCapacity', verdict.message);
      throw new Error(verdict.message);
    }
    if (verdict.kind === 'ok') return;
    const { usagePercent, amountToFree } = verdict;
    this.d.log.info('Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold', {
      usage: usagePercent, highThreshold: this.d.policy.highThresholdPercent, amountToFree, lowThreshold: this.d.policy.lowThresholdPercent,
    });
    const freed = await this.freeSpace(amountToFree, eligibleForSpace(candidates, this.d.policy, freeTime), signal);
    if (freed < amountToFree) {
      const message = freeSpaceFailedMessage(amountToFree, freed);
      this.d.events.nodeEvent('Warning', 'FreeDiskSpaceFailed', message);
      throw new Error(message);
    }
  }

  /** Runs detection and collection until the signal aborts; resolves at once when image GC is off. */
  async run(signal: AbortSignal): Promise<void> {
    if (imageGCDisabled(this.d.policy)) {
      this.d.log.v(2).info('ImageGCHighThresholdPercent is set 100 and ImageMaximumGCAge is 0, Disable image GC');
      return;
    }
    await Promise.all([this.detectLoop(signal), this.gcLoop(signal)]);
  }

  private async detectLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.detect(this.now(), signal);
      } catch (e) {
        if (!signal.aborted) this.d.log.info('Failed to monitor images', { err: (e as Error).message });
      }
      await this.d.clock.sleep(this.periodMs, signal);
    }
  }

  private async gcLoop(signal: AbortSignal): Promise<void> {
    const beganGC = this.now();
    let prevFailed = false;
    while (!signal.aborted) {
      try {
        await this.garbageCollect(beganGC, signal);
        this.d.log.v(prevFailed ? 1 : 4).info('Image garbage collection succeeded');
        prevFailed = false;
      } catch (e) {
        if (signal.aborted) break;
        const message = (e as Error).message;
        if (prevFailed) {
          this.d.log.error('Image garbage collection failed multiple times in a row', e);
          // Only a repeated failure makes an event, as upstream: the first may be stats not ready yet.
          this.d.events.nodeEvent('Warning', 'ImageGCFailed', message);
        } else {
          this.d.log.error('Image garbage collection failed once. Stats initialization may not have completed yet', e);
        }
        prevFailed = true;
      }
      await this.d.clock.sleep(this.periodMs, signal);
    }
  }

  private async freeOldImages(candidates: EvictionCandidate[], freeTime: number, beganGC: number, signal?: AbortSignal): Promise<EvictionCandidate[]> {
    const old = new Set(tooOldImages(candidates, this.d.policy, freeTime, beganGC));
    if (!old.size) return candidates;
    const errors: string[] = [];
    const remaining: EvictionCandidate[] = [];
    for (const c of candidates) {
      if (!old.has(c)) remaining.push(c);
      else if (!(await this.removeImage(c, 'age', errors, signal))) remaining.push(c);
    }
    if (errors.length) {
      throw new Error(`wanted to free images older than ${formatDuration(this.d.policy.maxAgeMs)}, encountered errors in image deletion: ${aggregate(errors)}`);
    }
    return remaining;
  }

  private async freeSpace(bytesToFree: number, eligible: EvictionCandidate[], signal?: AbortSignal): Promise<number> {
    const errors: string[] = [];
    let freed = 0;
    for (const c of eligible) {
      if (!(await this.removeImage(c, 'space', errors, signal))) continue;
      freed += c.size;
      if (freed >= bytesToFree) break;
    }
    if (errors.length) throw new Error(`wanted to free ${bytesToFree} bytes, but freed ${freed} bytes space with errors in image deletion: ${aggregate(errors)}`);
    return freed;
  }

  private async removeImage(c: EvictionCandidate, reason: 'age' | 'space', errors: string[], signal?: AbortSignal): Promise<boolean> {
    this.d.log.info('Removing image to free bytes', { imageID: c.id, size: c.size, reason });
    try {
      await this.d.cri.removeImage({ image: c.id }, { signal });
    } catch (e) {
      errors.push((e as Error).message);
      return false;
    }
    this.records.delete(c.id);
    this.d.onRemoved?.(reason);
    return true;
  }

  private now(): number {
    return this.d.clock.now().getTime();
  }
}

/** k8s.io/apimachinery's aggregate error text. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
}

