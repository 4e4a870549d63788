// A SPDY/3.1 session over any Duplex (a socket after an HTTP Upgrade), in the client role (odd
// stream ids) or the server role (even). Streams are SpdyStream Duplexes; the peer's new streams
// arrive as 'stream' events and must be reply()'d or reset().
//
// Flow control, and why it is lenient: SPDY/3.1 gives every stream and the session a 64 KiB
// send window that the receiver reopens with WINDOW_UPDATE. Go's moby/spdystream, which kubectl,
// client-go, the kubelet and containerd all use, implements none of it (moby/spdystream#2): it
// never sends WINDOW_UPDATE or SETTINGS, ignores those it receives, and leans on TCP for
// backpressure. So this session never resets a peer for overrunning a window, and it sends
// WINDOW_UPDATE as its reader consumes data, and holds back its own DATA at the peer's window,
// only once the peer has shown it keeps windows (a SETTINGS or WINDOW_UPDATE frame arrived).
// Berth sessions announce themselves with SETTINGS first, so between two of them flow control
// is real.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeFrame, GoAwayStatus, RstStatus, Settings, type Frame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor, SpdyProtocolError, type SpdyHeaders } from './headers.ts';
import { FrameReader } from './reader.ts';
import { MAX_DATA_CHUNK, SpdyStream, type StreamHost } from './stream.ts';

export { MAX_UNREAD, SpdyStream, SpdyStreamResetError } from './stream.ts';
export { SpdyProtocolError, type SpdyHeaders } from './headers.ts';
export { RstStatus, GoAwayStatus } from './frames.ts';

/** SPDY/3.1's initial window, per stream and per session (section 2.6.8). */
export const DEFAULT_WINDOW = 64 * 1024;

export interface SessionOptions {
  role: 'client' | 'server';
  /** Bytes that arrived with the HTTP upgrade response/request, before the socket was handed over. */
  head?: Buffer;
}

export class SessionClosedError extends Error {
  constructor(message = 'SPDY session closed') {
    super(message);
    this.name = 'SessionClosedError';
  }
}

/**
 * Events: 'stream' (SpdyStream) for each stream the peer opens; 'goaway' (status) when the peer
 * will accept no more streams; 'close' (err?) once the connection is gone.
 */
export class Session extends EventEmitter implements StreamHost {
  readonly role: 'client' | 'server';
  readonly streams = new Map<number, SpdyStream>();
  /** True once the peer sent SETTINGS or WINDOW_UPDATE: from then on its windows are respected. */
  peerFlowControl = false;
  /** Our session-level send window (the peer's receive window). */
  sendWindow = DEFAULT_WINDOW;
  closed = false;
  error: Error | undefined;

  private readonly socket: Duplex;
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly reader = new FrameReader(this.decompressor);
  private nextStreamId: number;
  private lastRemoteStreamId = 0;
  private nextPingId: number;
  private readonly pings = new Map<number, () => void>();
  private peerInitialWindow = DEFAULT_WINDOW;
  private unacked = 0;
  private windowWaiters: Array<() => void> = [];
  /** Streams whose reader is behind (MAX_UNREAD): while any is, the connection is not read. */
  private readonly congestedStreams = new Set<SpdyStream>();
  private goAwaySent = false;
  private goneAway = false;
  private readonly closedPromise: Promise<void>;

  constructor(socket: Duplex, opts: SessionOptions) {
    super();
    this.socket = socket;
    this.role = opts.role;
    this.nextStreamId = this.nextPingId = opts.role === 'client' ? 1 : 2;
    this.closedPromise = new Promise((resolve) => this.once('close', () => resolve()));
    (socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('end', () => this.onSocketGone());
    socket.on('close', () => this.onSocketGone());
    socket.on('error', (err: Error) => this.onSocketGone(err));
    this.write({ type: 'SETTINGS', clear: false, settings: [{ id: Settings.INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW }] });
    // Next tick, so the caller attaches its 'stream' listener first; socket data comes later still.
    const head = opts.head;
    if (head?.length) process.nextTick(() => this.onBytes(head));
  }

  /** Opens a stream and resolves once the peer replies (as client-go's CreateStream waits). */
  async openStream(headers: SpdyHeaders, opts: { fin?: boolean; priority?: number } = {}): Promise<SpdyStream> {
    if (this.closed) throw new SessionClosedError();
    if (this.goneAway || this.goAwaySent) throw new SessionClosedError('SPDY session is going away');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = this.addStream(id, headers, true);
    this.write({ type: 'SYN_STREAM', streamId: id, associatedToStreamId: 0, priority: opts.priority ?? 0, fin: !!opts.fin, unidirectional: false, headers });
    if (opts.fin) stream.localFin = true;
    await stream.waitReplied();
    return stream;
  }

  /** Round-trip time of a PING, in milliseconds. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new SessionClosedError());
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) % 0x100000000 || (this.role === 'client' ? 1 : 2);
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const onClose = () => reject(new SessionClosedError());
      this.once('close', onClose);
      this.pings.set(id, () => { this.off('close', onClose); resolve(performance.now() - t0); });
      this.write({ type: 'PING', id });
    });
  }

  /**
   * GOAWAY, then the connection ends once every stream has closed, or after timeoutMs (then
   * forcibly). Resolves when the connection is gone.
   */
  close(timeoutMs = 10_000): Promise<void> {
    this.goAway(GoAwayStatus.OK);
    this.endWhenIdle();
    if (!this.closed && this.streams.size) {
      const timer = setTimeout(() => this.destroy(), timeoutMs);
      timer.unref?.();
      void this.closedPromise.then(() => clearTimeout(timer));
    }
    return this.closedPromise;
  }

  /** Ends the connection now; open streams see end-of-stream and failed writes. */
  destroy(err?: Error): void {
    if (err && !this.error) this.error = err;
    this.socket.destroy();
    this.onSocketGone(err);
  }

  /** Resolves once the connection is gone. */
  get done(): Promise<void> {
    return this.closedPromise;
  }

  // ---- StreamHost: what SpdyStream calls ----

  async sendData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void> {
    await stream.waitReplied();
    let off = 0;
    do {
      this.assertWritable(stream);
      const n = Math.max(0, Math.min(data.length - off, MAX_DATA_CHUNK, this.allowance(stream)));
      if (n <= 0 && data.length > off) { await this.windowChange(); continue; }
      const last = off + n >= data.length;
      const ok = this.write({ type: 'DATA', streamId: stream.id, fin: fin && last, data: data.subarray(off, off + n) });
      stream.sendWindow -= n;
      this.sendWindow -= n;
      off += n;
      if (!ok) await this.drained();
    } while (off < data.length);
    if (fin) { stream.localFin = true; this.forgetIfDone(stream); }
  }

  sendReply(stream: SpdyStream, headers: SpdyHeaders, fin: boolean): void {
    this.write({ type: 'SYN_REPLY', streamId: stream.id, fin, headers });
  }

  sendReset(stream: SpdyStream, status: number): void {
    if (!this.closed) this.write({ type: 'RST_STREAM', streamId: stream.id, status });
    this.forget(stream);
  }

  consumed(stream: SpdyStream, bytes: number): void {
    stream.unacked += bytes;
    this.unacked += bytes;
    // A peer that keeps no windows needs no WINDOW_UPDATE, and one arriving after a Go server
    // closed its end (it closes right after the exit status) makes its kernel answer with a
    // TCP reset that can drop the status still unread on our side.
    if (!this.peerFlowControl) return;
    // Reopen half a window at a time: few frames, and the sender never waits a full round trip.
    if (stream.unacked >= DEFAULT_WINDOW / 2 && !stream.remoteFin) {
      this.write({ type: 'WINDOW_UPDATE', streamId: stream.id, delta: stream.unacked });
      stream.unacked = 0;
    }
    if (this.unacked >= DEFAULT_WINDOW / 2) {
      this.write({ type: 'WINDOW_UPDATE', streamId: 0, delta: this.unacked });
      this.unacked = 0;
    }
  }

  congested(stream: SpdyStream, congested: boolean): void {
    if (congested) this.congestedStreams.add(stream);
    else this.congestedStreams.delete(stream);
    this.readWhileUncongested();
  }

  // ---- internals ----

  private readWhileUncongested(): void {
    if (this.closed) return;
    if (this.congestedStreams.size) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  private write(frame: Frame): boolean {
    if (this.closed) return true;
    return this.socket.write(encodeFrame(frame, this.compressor));
  }

  private allowance(stream: SpdyStream): number {
    return this.peerFlowControl ? Math.min(stream.sendWindow, this.sendWindow) : Infinity;
  }

  private assertWritable(stream: SpdyStream): void {
    if (stream.resetStatus !== undefined) throw new SessionClosedError(`SPDY stream ${stream.id} was reset`);
    if (this.closed) throw new SessionClosedError();
  }

  private windowChange(): Promise<void> {
    return new Promise((resolve) => this.windowWaiters.push(resolve));
  }

  private wakeWindowWaiters(): void {
    for (const w of this.windowWaiters.splice(0)) w();
  }

  private drained(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { this.socket.off('drain', done); this.off('close', done); resolve(); };
      this.socket.once('drain', done);
      this.once('close', done);
    });
  }

  private addStream(id: number, headers: SpdyHeaders, local: boolean): SpdyStream {
    const stream = new SpdyStream(this, id, headers, local, this.peerInitialWindow);
    this.streams.set(id, stream);
    return stream;
  }

  private forgetIfDone(stream: SpdyStream): void {
    if (stream.localFin && stream.remoteFin) this.forget(stream);
  }

  private forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    // A stream gone from the session receives no more: it no longer holds the others back.
    if (this.congestedStreams.delete(stream)) this.readWhileUncongested();
    this.wakeWindowWaiters();
    this.endWhenIdle();
  }

  private endWhenIdle(): void {
    if (this.goAwaySent && !this.streams.size && !this.closed) this.socket.end();
  }

  private goAway(status: number): void {
    if (this.goAwaySent || this.closed) return;
    this.goAwaySent = true;
    this.write({ type: 'GOAWAY', lastGoodStreamId: this.lastRemoteStreamId, status });
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.reader.push(chunk, (frame) => {
        this.onFrame(frame);
        return !this.closed;
      });
    } catch (err) {
      if (!(err instanceof SpdyProtocolError)) throw err;
      this.goAway(GoAwayStatus.PROTOCOL_ERROR);
      this.destroy(err);
    }
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case 'SYN_STREAM': this.onSynStream(frame); break;
      case 'SYN_REPLY': {
        const s = this.streams.get(frame.streamId);
        if (!s?.local) break;
        s.markReplied(frame.headers);
        if (frame.fin) this.remoteFinish(s);
        break;
      }
      case 'HEADERS': {
        const s = this.streams.get(frame.streamId);
        if (!s) break;
        s.emit('headers', frame.headers);
        if (frame.fin) this.remoteFinish(s);
        break;
      }
      case 'DATA': {
        const s = this.streams.get(frame.streamId);
        if (!s || s.remoteFin) break;
        s.receive(frame.data, frame.fin);
        this.forgetIfDone(s);
        break;
      }
      case 'RST_STREAM': {
        const s = this.streams.get(frame.streamId);
        if (s) { this.forget(s); s.onReset(frame.status, true); }
        break;
      }
      default: this.onSessionFrame(frame);
    }
  }

  private onSessionFrame(frame: Frame): void {
    switch (frame.type) {
      case 'SETTINGS': {
        this.peerFlowControl = true;
        const initial = frame.settings.find((s) => s.id === Settings.INITIAL_WINDOW_SIZE);
        if (initial) {
          const delta = initial.value - this.peerInitialWindow;
          this.peerInitialWindow = initial.value;
          for (const s of this.streams.values()) s.sendWindow += delta;
        }
        this.wakeWindowWaiters();
        break;
      }
      case 'WINDOW_UPDATE': {
        this.peerFlowControl = true;
        if (frame.streamId === 0) this.sendWindow += frame.delta;
        else { const s = this.streams.get(frame.streamId); if (s) s.sendWindow += frame.delta; }
        this.wakeWindowWaiters();
        break;
      }
      case 'PING': {
        // A ping of the peer's parity is echoed; one of ours is the answer to ping().
        const ours = (frame.id % 2 === 1) === (this.role === 'client');
        if (!ours) this.write(frame);
        else { this.pings.get(frame.id)?.(); this.pings.delete(frame.id); }
        break;
      }
      case 'GOAWAY':
        this.goneAway = true;
        this.emit('goaway', frame.status);
        break;
      default:
    }
  }

  private onSynStream(frame: Extract<Frame, { type: 'SYN_STREAM' }>): void {
    const parityOk = (frame.streamId % 2 === 1) === (this.role === 'server');
    if (!parityOk || frame.streamId <= this.lastRemoteStreamId) {
      this.write({ type: 'RST_STREAM', streamId: frame.streamId, status: RstStatus.PROTOCOL_ERROR });
      return;
    }
    this.lastRemoteStreamId = frame.streamId;
    if (this.goAwaySent || this.listenerCount('stream') === 0) {
      this.write({ type: 'RST_STREAM', streamId: frame.streamId, status: RstStatus.REFUSED_STREAM });
      return;
    }
    const stream = this.addStream(frame.streamId, frame.headers, false);
    if (frame.fin || frame.unidirectional) this.remoteFinish(stream);
    this.emit('stream', stream);
  }

  private remoteFinish(stream: SpdyStream): void {
    stream.receive(Buffer.alloc(0), true);
    this.forgetIfDone(stream);
  }

  private onSocketGone(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (err && !this.error) this.error = err;
    for (const s of [...this.streams.values()]) s.onSessionClosed();
    this.streams.clear();
    this.wakeWindowWaiters();
    this.compressor.close();
    this.decompressor.close();
    if (!this.socket.destroyed) this.socket.destroy();
    this.emit('close', this.error);
  }
}
