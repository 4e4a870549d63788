// A byte stream served over a WebSocket, as upstream's wsstream.Reader (what pods/log answers a
// WebSocket upgrade with): each chunk one message, binary under `binary.k8s.io` (and when the
// client names no protocol), base64 text under `base64.binary.k8s.io`; the end of the stream
// closes the socket normally.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { WebSocketServer } from 'ws';

export const readerProtocols = ['binary.k8s.io', 'base64.binary.k8s.io'] as const;

/** Which of our protocols the client offered first; '' (binary) when it offered none of them. */
function pick(offered: Set<string>): string {
  return readerProtocols.find((p) => offered.has(p)) ?? '';
}

export function serveReaderOverWebSocket(req: IncomingMessage, body: Readable): void {
  let protocol = '';
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => (protocol = pick(offered)) || false });
  wss.handleUpgrade(req, req.socket, Buffer.alloc(0), (ws) => {
    const base64 = protocol === 'base64.binary.k8s.io';
    // A client slower than the log holds the log: at most 16 messages are in flight.
    let inFlight = 0;
    body.on('data', (chunk: Buffer) => {
      inFlight++;
      ws.send(base64 ? chunk.toString('base64') : chunk, { binary: !base64 }, () => {
        if (--inFlight === 0 && body.isPaused()) body.resume();
      });
      if (inFlight >= 16) body.pause();
    });
    body.once('end', () => ws.close(1000));
    body.once('error', () => ws.close(1011));
    ws.once('close', () => body.destroy());
  });
}
