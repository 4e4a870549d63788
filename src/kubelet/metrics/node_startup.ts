// Node start-up phases, as upstream's node startup latency tracker: boot → kubelet start →
// first registration attempt → registered → first status that reports Ready. Each phase is set
// once, when the kubelet first passes it; later re-registrations do not move them.

export interface NodeStartupDurations {
  preKubeletSeconds?: number;
  preRegistrationSeconds?: number;
  registrationSeconds?: number;
  postRegistrationSeconds?: number;
  totalSeconds?: number;
}

export class NodeStartupTracker {
  private firstAttempt?: number;
  private registered?: number;
  private ready?: number;

  constructor(
    private readonly kubeletStartMs: number,
    /** undefined when the boot time is unknown: the phases that need it are not reported. */
    private readonly bootMs: number | undefined,
  ) {}

  registrationAttempt(nowMs: number): void {
    this.firstAttempt ??= nowMs;
  }

  /** The durations known once the node is registered (undefined when already reported). */
  registeredNode(nowMs: number): NodeStartupDurations | undefined {
    if (this.firstAttempt === undefined || this.registered !== undefined) return undefined;
    this.registered = nowMs;
    return {
      ...(this.bootMs !== undefined ? { preKubeletSeconds: (this.kubeletStartMs - this.bootMs) / 1000 } : {}),
      preRegistrationSeconds: (this.firstAttempt - this.kubeletStartMs) / 1000,
      registrationSeconds: (nowMs - this.firstAttempt) / 1000,
    };
  }

  /** The durations known once the node first reports Ready (undefined when already reported). */
  nodeReady(nowMs: number): NodeStartupDurations | undefined {
    if (this.registered === undefined || this.ready !== undefined) return undefined;
    this.ready = nowMs;
    return {
      postRegistrationSeconds: (nowMs - this.registered) / 1000,
      ...(this.bootMs !== undefined ? { totalSeconds: (nowMs - this.bootMs) / 1000 } : {}),
    };
  }
}
