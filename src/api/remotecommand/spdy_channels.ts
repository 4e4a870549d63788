// The SPDY remotecommand streams seen as numbered channels (stdin 0, stdout 1, stderr 2,
// error 3, resize 4, the channel protocol's numbering), so one bridge can join a client's
// session to a runtime's whatever the transport: WebSocket channels frame for frame, SPDY
// streams here. Bytes pass through untouched: the error channel carries the Status as the
// protocol wrote it, the resize channel the TerminalSize JSON. Unlike WebSocket v4, closing
// stdin reaches the peer (canCloseStream).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SpdyStream } from '../spdy/session.ts';
import { dialSpdy, type SpdyDialOptions } from './spdy_upgrade.ts';
import {
  acceptRemoteCommandStreams, closeServerStreams, openStreamsOn, SPDY_REMOTECOMMAND_PROTOCOLS, StreamType,
  type RemoteCommandOptions, type RemoteCommandStreams,
} from './spdy.ts';

export const CHANNEL_OF_STREAM_TYPE: Record<string, number> = {
  [StreamType.stdin]: 0, [StreamType.stdout]: 1, [StreamType.stderr]: 2, [StreamType.error]: 3, [StreamType.resize]: 4,
};

export interface ChannelHandlers {
  data(channel: number, data: Buffer): void;
  /** The peer ended one stream (stdin's end is the command's end-of-file). */
  streamClosed(channel: number): void;
  /** The connection is gone, and every byte that came before has been handed to data(). */
  closed(): void;
}

/** One remote command session by channel number; frames that arrive before listen() wait for it. */
export interface ChannelSession {
  readonly protocol: string;
  readonly canCloseStream: boolean;
  listen(h: ChannelHandlers): void;
  write(channel: number, data: Uint8Array): void;
  closeStream(channel: number): void;
  close(): void;
}

/** A client's connection, dialled, whose streams are not open yet: the server runs nothing until they are. */
export interface PendingChannels {
  open(opts: RemoteCommandOptions): Promise<ChannelSession>;
  close(): void;
}

/** Client side (toward a kubelet or a CRI streaming server): reads stdout, stderr, error; writes stdin, resize. */
export async function connectSpdyChannels(url: string | URL, dial: SpdyDialOptions = {}): Promise<PendingChannels> {
  const { session, protocol } = await dialSpdy(url, SPDY_REMOTECOMMAND_PROTOCOLS, dial);
  return {
    open: async (opts) => {
      const rc = await openStreamsOn(session, protocol, opts);
      return channelSession(rc, [StreamType.stdout, StreamType.stderr, StreamType.error], () => rc.session.destroy());
    },
    close: () => session.destroy(),
  };
}

/** connectSpdyChannels, then its streams at once. */
export async function dialSpdyChannels(url: string | URL, opts: RemoteCommandOptions, dial: SpdyDialOptions = {}): Promise<ChannelSession> {
  return (await connectSpdyChannels(url, dial)).open(opts);
}

/** Server side (serving kubectl): reads stdin, resize; writes stdout, stderr, error. */
export async function acceptSpdyChannels(req: IncomingMessage, socket: Duplex, head: Buffer, opts?: RemoteCommandOptions): Promise<ChannelSession> {
  const rc = await acceptRemoteCommandStreams(req, socket, head, opts);
  return channelSession(rc, [StreamType.stdin, StreamType.resize], () => { void closeServerStreams(rc); });
}

function channelSession(rc: RemoteCommandStreams, readable: string[], close: () => void): ChannelSession {
  const byChannel = new Map<number, SpdyStream>();
  for (const [type, stream] of rc.streams) byChannel.set(CHANNEL_OF_STREAM_TYPE[type], stream);
  const isReadable = (channel: number) => readable.some((t) => CHANNEL_OF_STREAM_TYPE[t] === channel);
  return {
    protocol: rc.protocol,
    canCloseStream: true,
    listen: (h) => {
      const ends: Promise<void>[] = [rc.session.done];
      for (const [channel, stream] of byChannel) {
        if (!isReadable(channel)) continue;
        stream.on('data', (d: Buffer) => h.data(channel, d));
        ends.push(new Promise((resolve) => {
          stream.once('end', () => { h.streamClosed(channel); resolve(); });
          stream.once('close', () => resolve());
        }));
      }
      void Promise.all(ends).then(() => h.closed());
    },
    write: (channel, data) => {
      const stream = byChannel.get(channel);
      if (stream && !isReadable(channel) && !stream.writableEnded) stream.write(data);
    },
    closeStream: (channel) => {
      const stream = byChannel.get(channel);
      if (stream && !isReadable(channel)) stream.end();
    },
    close,
  };
}
