// Making sure a container's image is present before it is created (upstream's
// images.imageManager.EnsureImageExists): pull policy, per-image pull back-off, pull secrets,
// and the kubelet's events with upstream's messages.
import { createHash } from 'node:crypto';
import type { CriClient } from '../runtime/cri/client.ts';
import type { AuthConfig, In, PodSandboxConfig } from '../runtime/cri/types.ts';
import { formatDuration } from '../../api/duration.ts';
import { Backoff } from '../backoff.ts';
import { credentialsFor, type PullSecret } from './auth.ts';

/** Image pull back-off, per pod and image: as the container back-off, 10 s doubling to 5 minutes. */
const IMAGE_BACKOFF_INITIAL_MS = 10_000;
const IMAGE_BACKOFF_MAX_MS = 300_000;

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type EventType = 'Normal' | 'Warning';

export interface EnsureImageRequest {
  podUid: string;
  namespace: string;
  image: string;
  pullPolicy?: PullPolicy;
  pullSecretNames?: string[];
  sandboxConfig?: In<PodSandboxConfig>;
  /** Records an event on the container (Pulling, Pulled, Failed, BackOff, ErrImageNeverPull). */
  record: (type: EventType, reason: string, message: string) => void;
  signal?: AbortSignal;
}

export type EnsureImageResult =
  | { ok: true; imageRef: string }
  | { ok: false; reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName'; message: string };

export interface ImageManagerOptions {
  cri: CriClient;
  now: () => Date;
  /** Reads a pull secret; undefined when it does not exist. */
  getSecret?: (namespace: string, name: string) => Promise<PullSecret | undefined>;
  backoff?: Backoff;
}

/** Adds ":latest" to a reference with neither tag nor digest, as upstream does before pulling. */
export function applyDefaultImageTag(image: string): string {
  if (image.includes('@')) return image;
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') ? image : `${image}:latest`;
}

export class ImageManager {
  readonly backoff: Backoff;
  private readonly inflight = new Map<string, SharedPull>();
  private readonly lastError = new Map<string, string>();

  constructor(private readonly opts: ImageManagerOptions) {
    this.backoff = opts.backoff ?? new Backoff({ initialMs: IMAGE_BACKOFF_INITIAL_MS, maxMs: IMAGE_BACKOFF_MAX_MS, forgetAfterMs: 2 * IMAGE_BACKOFF_MAX_MS, now: opts.now });
  }

  /** Forgets back-offs left alone past their expiry, and the errors they carried (housekeeping). */
  gc(): void {
    this.backoff.gc();
    for (const key of this.lastError.keys()) if (this.backoff.get(key) === 0) this.lastError.delete(key);
  }

  private async present(image: string, signal?: AbortSignal): Promise<{ ref: string; size: number } | undefined> {
    const st = await this.opts.cri.imageStatus({ image }, false, { signal });
    return st.image ? { ref: st.image.id, size: st.image.size } : undefined;
  }

  async ensureImageExists(req: EnsureImageRequest): Promise<EnsureImageResult> {
    if (!req.image) return { ok: false, reason: 'InvalidImageName', message: 'Failed to apply default image tag "": couldn\'t parse image name "": invalid reference format' };
    const image = applyDefaultImageTag(req.image);
    const policy = req.pullPolicy ?? 'IfNotPresent';
    if (policy !== 'Always') {
      const have = await this.present(image, req.signal);
      if (have) {
        req.record('Normal', 'Pulled', `Container image "${req.image}" already present on machine`);
        return { ok: true, imageRef: have.ref };
      }
      if (policy === 'Never') {
        const message = `Container image "${req.image}" is not present with pull policy of Never`;
        req.record('Warning', 'ErrImageNeverPull', message);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
    }
    const key = `${req.podUid}_${req.image}`;
    if (this.backoff.isInBackOffSinceUpdate(key)) {
      const msg = `Back-off pulling image "${req.image}"`;
      req.record('Normal', 'BackOff', msg);
      const prev = this.lastError.get(key);
      return { ok: false, reason: 'ImagePullBackOff', message: prev ? `${msg}: ${prev}` : msg };
    }
    req.record('Normal', 'Pulling', `Pulling image "${req.image}"`);
    const started = this.opts.now().getTime();
    try {
      const pulled = await this.pull(image, req);
      this.lastError.delete(key);
      const took = formatDuration(this.opts.now().getTime() - started);
      req.record('Normal', 'Pulled', `Successfully pulled image "${req.image}" in ${took} (${took} including waiting). Image size: ${pulled.size} bytes.`);
      return { ok: true, imageRef: pulled.ref };
    } catch (err) {
      // The requester gave up (its pod is terminating): no failure of the image, no back-off.
      if (req.signal?.aborted) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      this.backoff.next(key);
      this.lastError.set(key, `ErrImagePull: ${detail}`);
      req.record('Warning', 'Failed', `Failed to pull image "${req.image}": ${detail}`);
      return { ok: false, reason: 'ErrImagePull', message: detail };
    }
  }

  /**
   * Concurrent identical requests (same image, same credentials) share one pull. Upstream's puller
   * pulls every request with its own pull secrets; sharing across different credentials would
   * hand one pod another pod's result, e.g. an authorization failure its own secrets would not
   * have met. A requester whose signal aborts (its pod is being deleted) stops waiting; the pull
   * itself is cancelled only once no requester waits for it any more.
   */
  private async pull(image: string, req: EnsureImageRequest): Promise<Pulled> {
    const creds = credentialsFor(image, await this.pullSecrets(req));
    const key = pullKey(image, creds);
    let shared = this.inflight.get(key);
    if (!shared) {
      const cancel = new AbortController();
      const entry: SharedPull = { pull: this.pullOnce(image, creds, req.sandboxConfig, cancel.signal), waiters: 0, cancel };
      this.inflight.set(key, entry);
      entry.pull.finally(() => this.forget(key, entry)).catch(() => {});
      shared = entry;
    }
    return this.waitFor(key, shared, req.signal);
  }

  private async pullSecrets(req: EnsureImageRequest): Promise<PullSecret[]> {
    const secrets: PullSecret[] = [];
    for (const name of req.pullSecretNames ?? []) {
      const s = await this.opts.getSecret?.(req.namespace, name);
      if (s) secrets.push(s);
    }
    return secrets;
  }

  private waitFor(key: string, shared: SharedPull, signal: AbortSignal | undefined): Promise<Pulled> {
    // A requester without a signal never gives up: it keeps the pull alive.
    shared.waiters++;
    if (!signal) return shared.pull;
    return new Promise((resolve, reject) => {
      const leave = () => signal.removeEventListener('abort', onAbort);
      const onAbort = () => {
        leave();
        if (--shared.waiters === 0) {
          // A later requester starts afresh rather than joining a cancelled pull.
          this.forget(key, shared);
          shared.cancel.abort(signal.reason);
        }
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      shared.pull.then((v) => { leave(); resolve(v); }, (e: unknown) => { leave(); reject(e); });
    });
  }

  private forget(key: string, shared: SharedPull): void {
    if (this.inflight.get(key) === shared) this.inflight.delete(key);
  }

  private async pullOnce(image: string, creds: In<AuthConfig>[], sandboxConfig: In<PodSandboxConfig> | undefined, signal: AbortSignal): Promise<Pulled> {
    let lastErr: unknown;
    for (const auth of creds.length ? creds : [undefined]) {
      try {
        const ref = await this.opts.cri.pullImage({ image }, auth, sandboxConfig, { signal });
        const st = await this.opts.cri.imageStatus({ image: ref }, false, { signal });
        return { ref, size: st.image?.size ?? 0 };
      } catch (err) {
        lastErr = err;
        if (signal.aborted) break;
      }
    }
    throw lastErr;
  }
}

interface Pulled { ref: string; size: number }

/** Identifies a pull by image and credentials; hashed so the map holds no secrets. */
function pullKey(image: string, creds: In<AuthConfig>[]): string {
  return `${image}#${createHash('sha256').update(JSON.stringify(creds)).digest('hex')}`;
}

/** A pull in flight, shared by every requester of its image with the same credentials. */
interface SharedPull {
  pull: Promise<Pulled>;
  /** Requesters still waiting for it. */
  waiters: number;
  cancel: AbortController;
}
