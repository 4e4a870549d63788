// What the tcpSocket and httpGet handlers share: one verdict over one socket at a time, reached
// once, under one timer and the caller's abort signal.
import type { Socket } from 'node:net';
import type { HandlerResult } from './types.ts';

/**
 * A probe's exchange over sockets. Node keeps a socket, and what its listeners reach, until a full
 * collection however short its life (docs/DESIGN.md): once finished, an exchange lets go of the
 * caller's promise, its timer and its state, so that only the sockets and this object stay behind.
 */
export abstract class SocketProbe {
  protected socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.finish({ result: 'unknown', output: 'probe cancelled' });

  constructor(private resolve: ((r: HandlerResult) => void) | undefined, private signal: AbortSignal | undefined, timeoutMs: number) {
    this.timer = setTimeout(() => this.finish(this.timedOut()), timeoutMs);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The verdict when the timeout fires first. */
  protected abstract timedOut(): HandlerResult;

  /** Drops what a finished exchange holds besides the socket and timer. */
  protected release(): void {}

  protected finish(r: HandlerResult): void {
    const resolve = this.resolve;
    if (!resolve) return;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket?.destroy();
    this.resolve = this.signal = this.timer = this.socket = undefined;
    this.release();
    resolve(r);
  }
}
