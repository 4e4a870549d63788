// One SPDY stream as a Node Duplex: what the peer sends is readable, what we write goes out in
// DATA frames, end() sends FIN (the half-close kubectl relies on to end a command's stdin).
// The Session owns the framing and the windows; the stream keeps its own state and queue.
import { Duplex } from 'node:stream';
import type { SpdyHeaders } from './headers.ts';
import { RstStatus } from './frames.ts';

/** The largest DATA frame we send; small enough to interleave streams, big enough to be cheap. */
export const MAX_DATA_CHUNK = 64 * 1024;

/**
 * Unread bytes a stream may hold before its session stops reading the connection. Go peers keep
 * no windows, so TCP is the only brake: like spdystream's frame handler blocking on a full
 * stream, a reader that falls behind holds back the whole connection.
 */
export const MAX_UNREAD = 256 * 1024;

export class SpdyStreamResetError extends Error {
  readonly status: number;
  constructor(streamId: number, status: number, byPeer: boolean) {
    const name = Object.entries(RstStatus).find(([, v]) => v === status)?.[0] ?? String(status);
    super(`SPDY stream ${streamId} reset ${byPeer ? 'by the peer' : 'locally'}: ${name}`);
    this.name = 'SpdyStreamResetError';
    this.status = status;
  }
}

/** What a stream needs of its session (implemented by Session). */
export interface StreamHost {
  sendData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void>;
  sendReply(stream: SpdyStream, headers: SpdyHeaders, fin: boolean): void;
  sendReset(stream: SpdyStream, status: number): void;
  consumed(stream: SpdyStream, bytes: number): void;
  /** The stream holds more than MAX_UNREAD unread bytes (true), or has come back under it (false). */
  congested(stream: SpdyStream, congested: boolean): void;
}

export class SpdyStream extends Duplex {
  readonly id: number;
  /** The SYN_STREAM's headers (names lowercase): for Kubernetes, streamtype, port, requestid. */
  readonly headers: SpdyHeaders;
  /** True for a stream this side opened (odd ids from a client, even from a server). */
  readonly local: boolean;
  /** The SYN_REPLY's headers once the stream is replied to. */
  replyHeaders: SpdyHeaders | undefined;
  /** Set once a RST_STREAM was sent or received. */
  resetStatus: number | undefined;

  /** Bytes we may still send before the peer's next WINDOW_UPDATE (when the peer enforces windows). */
  sendWindow: number;
  /** Received bytes handed to the reader and not yet acknowledged with a WINDOW_UPDATE. */
  unacked = 0;
  remoteFin = false;
  localFin = false;

  private readonly host: StreamHost;
  private replied = false;
  private replyWaiters: Array<(err?: Error) => void> = [];
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private isCongested = false;
  private wantData = false;
  private eof = false;

  constructor(host: StreamHost, id: number, headers: SpdyHeaders, local: boolean, sendWindow: number) {
    super({ allowHalfOpen: true });
    this.host = host;
    this.id = id;
    this.headers = headers;
    this.local = local;
    this.sendWindow = sendWindow;
  }

  /** Accepts a peer-opened stream (SYN_REPLY); our writes wait for it, as Go peers drop DATA sent earlier. */
  reply(headers: SpdyHeaders = {}, fin = false): void {
    if (this.local) throw new Error('reply() is for streams the peer opened');
    if (this.replied || this.resetStatus !== undefined) return;
    this.host.sendReply(this, headers, fin);
    if (fin) this.localFin = true;
    this.markReplied(headers);
  }

  /** Aborts the stream both ways with RST_STREAM (CANCEL by default). */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.resetStatus !== undefined) return;
    this.host.sendReset(this, status);
    this.onReset(status, false);
  }

  /** Resolves once replied (a SYN_REPLY received, or reply() called); rejects if reset first. */
  waitReplied(): Promise<void> {
    if (this.replied) return Promise.resolve();
    if (this.resetStatus !== undefined) return Promise.reject(new SpdyStreamResetError(this.id, this.resetStatus, true));
    return new Promise((resolve, reject) => this.replyWaiters.push((err) => (err ? reject(err) : resolve())));
  }

  /** Bytes received and not yet handed to the reader. */
  get unread(): number {
    return this.queuedBytes + this.readableLength;
  }

  // ---- called by the session ----

  markReplied(headers: SpdyHeaders): void {
    if (this.replied) return;
    this.replied = true;
    this.replyHeaders = headers;
    for (const w of this.replyWaiters.splice(0)) w();
  }

  receive(data: Buffer, fin: boolean): void {
    if (data.length) { this.queue.push(data); this.queuedBytes += data.length; }
    if (fin) this.remoteFin = true;
    this.flush();
    this.setCongested(this.queuedBytes > MAX_UNREAD);
  }

  /**
   * A reset ends reading after what already arrived (as Go's spdystream does: kubelets reset
   * every stream right after writing the exit status) and fails later writes.
   */
  onReset(status: number, byPeer: boolean): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    this.remoteFin = true;
    const err = new SpdyStreamResetError(this.id, status, byPeer);
    for (const w of this.replyWaiters.splice(0)) w(err);
    this.flush();
    if (this.readableEnded) this.destroy();
    else this.once('end', () => this.destroy());
  }

  /** The connection is gone: reading ends at what arrived, writing fails. */
  onSessionClosed(): void {
    this.onReset(RstStatus.CANCEL, true);
  }

  // ---- Duplex ----

  override _read(): void {
    this.wantData = true;
    this.flush();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.host.sendData(this, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.resetStatus !== undefined || this.localFin) { cb(); return; }
    this.host.sendData(this, Buffer.alloc(0), true).then(() => cb(), (err: Error) => {
      // The peer already reset the stream: nothing left to half-close.
      cb(this.resetStatus !== undefined ? null : err);
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Destroyed by the user before the stream finished: tell the peer.
    if (this.resetStatus === undefined && !(this.localFin && this.remoteFin)) this.reset(RstStatus.CANCEL);
    cb(err);
  }

  private flush(): void {
    while (this.wantData && this.queue.length) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      this.host.consumed(this, chunk.length);
      this.wantData = this.push(chunk);
    }
    if (!this.queue.length && this.remoteFin && !this.eof) {
      this.eof = true;
      this.push(null);
    }
    if (this.queuedBytes <= MAX_UNREAD / 2) this.setCongested(false);
  }

  private setCongested(congested: boolean): void {
    if (congested === this.isCongested) return;
    this.isCongested = congested;
    this.host.congested(this, congested);
  }
}
