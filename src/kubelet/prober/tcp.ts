// The tcpSocket handler: healthy when a TCP connection opens within the timeout.
import { connect } from 'node:net';
import { dialError, joinHostPort } from './neterr.ts';
import { SocketProbe } from './socketprobe.ts';
import type { HandlerResult } from './types.ts';

export function tcpProbe(host: string, port: number, timeoutSeconds: number, signal?: AbortSignal): Promise<HandlerResult> {
  return new Promise((resolve) => new Dial(host, port, timeoutSeconds * 1000, resolve, signal));
}

class Dial extends SocketProbe {
  constructor(private readonly host: string, private readonly port: number, timeoutMs: number, resolve: (r: HandlerResult) => void, signal: AbortSignal | undefined) {
    super(resolve, signal, timeoutMs);
    const s = (this.socket = connect({ host, port }));
    s.on('connect', this.onConnect);
    s.on('error', this.onError);
  }

  private readonly onConnect = () => this.finish({ result: 'success', output: '' });
  private readonly onError = (err: Error) => this.finish({ result: 'failure', output: dialError(err, this.host, this.port) });

  protected timedOut(): HandlerResult {
    return { result: 'failure', output: `dial tcp ${joinHostPort(this.host, this.port)}: i/o timeout` };
  }
}
