// The tcpSocket handler: healthy when a TCP connection opens within the timeout.
import { connect } from 'node:net';
import { dialError, joinHostPort } from './neterr.ts';
import type { HandlerResult } from './types.ts';

export function tcpProbe(host: string, port: number, timeoutSeconds: number, signal?: AbortSignal): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let done = false;
    const finish = (r: HandlerResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ result: 'unknown', output: 'probe cancelled' });
    const timer = setTimeout(() => finish({ result: 'failure', output: `dial tcp ${joinHostPort(host, port)}: i/o timeout` }), timeoutSeconds * 1000);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ result: 'success', output: '' }));
    socket.once('error', (err) => finish({ result: 'failure', output: dialError(err, host, port) }));
  });
}
