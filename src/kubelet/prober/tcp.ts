// The tcpSocket handler: healthy when a TCP connection opens within the timeout.
import { connect, type Socket } from 'node:net';
import { dialError, joinHostPort } from './neterr.ts';
import type { HandlerResult } from './types.ts';

export function tcpProbe(host: string, port: number, timeoutSeconds: number, signal?: AbortSignal): Promise<HandlerResult> {
  return new Promise((resolve) => new Dial(host, port, timeoutSeconds * 1000, resolve, signal));
}

/**
 * One dial. Node keeps a socket, and what its listeners reach, until a full collection however
 * short its life (docs/DESIGN.md): once settled, a dial lets go of the caller's promise
 * and its timer so that only the socket and this small object stay behind.
 */
class Dial {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    timeoutMs: number,
    private resolve: ((r: HandlerResult) => void) | undefined,
    private signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(this.onTimeout, timeoutMs);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const s = (this.socket = connect({ host, port }));
    s.on('connect', this.onConnect);
    s.on('error', this.onError);
  }

  private readonly onConnect = () => this.finish({ result: 'success', output: '' });
  private readonly onError = (err: Error) => this.finish({ result: 'failure', output: dialError(err, this.host, this.port) });
  private readonly onTimeout = () => this.finish({ result: 'failure', output: `dial tcp ${joinHostPort(this.host, this.port)}: i/o timeout` });
  private readonly onAbort = () => this.finish({ result: 'unknown', output: 'probe cancelled' });

  private finish(r: HandlerResult): void {
    const resolve = this.resolve;
    if (!resolve) return;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket?.destroy();
    this.resolve = this.signal = this.timer = this.socket = undefined;
    resolve(r);
  }
}
