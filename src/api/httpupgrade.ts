// Upgrade requests (WebSocket, SPDY) through the same handler as every other request. Node hands
// them over as (req, socket, head) without a response; a ServerResponse on the socket lets
// authentication, authorization and errors answer them like any request (then the socket ends),
// and a handler that upgrades takes the socket over (req.socket; `head` is pushed back onto it).
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function serveUpgrades(server: Server, handler: RequestHandler): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (head.length) socket.unshift(head);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    handler(req, res);
  });
}

/** Whether the request came as an upgrade (served through serveUpgrades). */
export const isUpgrade = (req: IncomingMessage): boolean => (req as IncomingMessage & { upgrade?: boolean }).upgrade === true;
