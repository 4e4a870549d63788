// The fake runtime with calls that hang: an image pull held until the test lets it go, or an
// ExecSync (a postStart hook) that never answers; either ends early when its call is cancelled,
// as a real CRI call does, and the cancellation is recorded.
import * as grpc from '@grpc/grpc-js';
import { CriError, type CallOptions } from '../../../src/kubelet/runtime/cri/client.ts';
import type { AuthConfig, ImageSpec, In, PodSandboxConfig } from '../../../src/kubelet/runtime/cri/types.ts';
import { FakeRuntime } from '../../../src/kubelet/runtime/fake/runtime.ts';

/** Lets the loops run until cond holds (at most ~2 s of real time, for file system work). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 2_000;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Waits for `until` or for the signal; rejects as a cancelled CRI call. */
function gated(method: string, until: Promise<void>, signal: AbortSignal | undefined, onCancel: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      onCancel();
      reject(new CriError(method, grpc.status.CANCELLED, 'Cancelled on client'));
    };
    if (signal?.aborted) return cancelled();
    signal?.addEventListener('abort', cancelled, { once: true });
    void until.then(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    });
  });
}

export class GatedRuntime extends FakeRuntime {
  /** `method image-or-container` of every call that was cancelled while it hung. */
  readonly cancelled: string[] = [];
  /** Pulls (by image) and execs (by container) that started to hang. */
  readonly pullsStarted: string[] = [];
  readonly execsStarted: string[] = [];
  private readonly heldPulls = new Map<string, { until: Promise<void>; release: () => void }>();
  private execHangs = false;

  /** Pulls of this image hang until the returned function is called. */
  holdPulls(image: string): () => void {
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    this.heldPulls.set(image, { until, release });
    return () => {
      this.heldPulls.delete(image);
      release();
    };
  }

  /** Every ExecSync from now on hangs until cancelled. */
  hangExecs(): void {
    this.execHangs = true;
  }

  override async pullImage(image: In<ImageSpec>, auth?: In<AuthConfig>, sandboxConfig?: In<PodSandboxConfig>, opts?: CallOptions): Promise<string> {
    const name = image.image ?? '';
    const held = this.heldPulls.get(name);
    if (held) {
      this.pullsStarted.push(name);
      await gated('PullImage', held.until, opts?.signal, () => this.cancelled.push(`pullImage ${name}`));
    }
    return super.pullImage(image, auth, sandboxConfig);
  }

  override async execSync(id: string, cmd: string[], timeoutSeconds: number, opts?: CallOptions) {
    if (this.execHangs) this.execsStarted.push(id);
    if (this.execHangs) await gated('ExecSync', new Promise(() => {}), opts?.signal, () => this.cancelled.push(`execSync ${id}`));
    return super.execSync(id, cmd, timeoutSeconds);
  }
}
