// SPDY sessions over a real TCP socket pair, both roles in-process: streams and their headers,
// half-close, flow control past the 64 KiB windows, resets, pings, GOAWAY; and a bare peer that
// keeps no windows, as Go's spdystream does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { Readable } from 'node:stream';
import { eventually } from '../../support/kubectl.ts';
import { encodeFrame, type Frame } from '../../../src/api/spdy/frames.ts';
import { HeaderCompressor, HeaderDecompressor } from '../../../src/api/spdy/headers.ts';
import { FrameReader } from '../../../src/api/spdy/reader.ts';
import { DEFAULT_WINDOW, MAX_UNREAD, RstStatus, Session, SessionClosedError, SpdyStreamResetError, type SpdyStream } from '../../../src/api/spdy/session.ts';

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  const [serverSide] = await accepted;
  server.close();
  return [client, serverSide];
}

async function sessions(): Promise<{ client: Session; server: Session; accepted: () => Promise<SpdyStream> }> {
  const [a, b] = await socketPair();
  const client = new Session(a, { role: 'client' });
  const server = new Session(b, { role: 'server' });
  const queue: SpdyStream[] = [];
  server.on('stream', (s: SpdyStream) => queue.push(s));
  const accepted = async () => queue.shift() ?? (await once(server, 'stream'), queue.shift()!);
  return { client, server, accepted };
}


/** A bare peer's ear (no session): every frame that arrives on socket, in order. */
function onFrames(socket: net.Socket, onFrame: (frame: Frame) => void): void {
  const reader = new FrameReader(new HeaderDecompressor());
  socket.on('data', (chunk: Buffer) => reader.push(chunk, (f) => (onFrame(f), true)));
}

/** Reads to the end without destroying the stream (as for-await would), so its write side stays open. */
function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    r.on('data', (c: Buffer) => chunks.push(c));
    r.once('end', () => resolve(Buffer.concat(chunks)));
    r.once('error', reject);
  });
}

test('a stream carries headers both ways, and each side half-closes on its own', { timeout: 10_000 }, async () => {
  const { client, server, accepted } = await sessions();
  const opening = client.openStream({ streamType: 'stdin', port: '8080' });
  const remote = await accepted();
  assert.equal(remote.id, 1, 'client streams are odd');
  assert.deepEqual(remote.headers, { streamtype: 'stdin', port: '8080' });
  remote.reply({ 'x-answer': 'yes' });
  const local = await opening;
  assert.deepEqual(local.replyHeaders, { 'x-answer': 'yes' });

  local.end('hello, ');
  assert.equal((await readAll(remote)).toString(), 'hello, ', 'the server reads up to the FIN');
  // The client's side is closed; the server still writes, then ends its own.
  remote.end('world');
  assert.equal((await readAll(local)).toString(), 'world');
  await eventually(() => client.streams.size === 0 && server.streams.size === 0, 5_000, 'both sessions to drop the stream');

  const second = client.openStream({ streamType: 'stdout' });
  (await accepted()).reply();
  const third = await second;
  assert.equal(third.id, 3);
  third.reset();
  await client.close(1_000);
  await server.done;
});

test('flow control: a sender stops at the 64 KiB window and resumes as the reader consumes', { timeout: 10_000 }, async () => {
  const { client, server, accepted } = await sessions();
  await client.ping(); // each side's SETTINGS has arrived at the other by the time the PING returns
  assert.ok(client.peerFlowControl && server.peerFlowControl);
  const opening = client.openStream({ streamType: 'stdin' });
  const remote = await accepted();
  remote.reply();
  const local = await opening;

  const payload = Buffer.alloc(300 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
  local.end(payload);
  // Nobody reads on the server: the client spends its window and stops.
  await eventually(() => local.sendWindow <= 0 || client.sendWindow <= 0, 5_000, 'the window to be spent');
  assert.ok(local.writableLength > 0, 'the rest waits for a WINDOW_UPDATE');
  assert.equal(local.sendWindow, 0, 'exactly the 64 KiB window went out, no more');
  assert.equal(client.sendWindow, 0);

  const got = await readAll(remote);
  assert.equal(got.length, payload.length);
  assert.ok(got.equals(payload));
  remote.end();
  await client.close(1_000);
});

test('a peer that keeps no windows (like spdystream) is sent everything without waiting', { timeout: 10_000 }, async () => {
  const [a, b] = await socketPair();
  const client = new Session(a, { role: 'client' });
  // A bare peer: replies to SYN_STREAM, counts DATA, never sends SETTINGS or WINDOW_UPDATE.
  const c = new HeaderCompressor();
  let received = 0;
  let fin = false;
  const seen: Frame['type'][] = [];
  onFrames(b, (f) => {
    seen.push(f.type);
    if (f.type === 'SYN_STREAM') b.write(encodeFrame({ type: 'SYN_REPLY', streamId: f.streamId, fin: false, headers: {} }, c));
    if (f.type === 'DATA') { received += f.data.length; fin ||= f.fin; }
    if (f.type === 'PING') b.write(encodeFrame(f, c));
  });
  const stream = await client.openStream({ streamtype: 'stdin' });
  assert.equal(client.peerFlowControl, false);
  stream.end(Buffer.alloc(200 * 1024, 1));
  await eventually(() => fin && received === 200 * 1024, 5_000, 'all 200 KiB and the FIN');
  assert.ok(stream.sendWindow < 0, 'the window is tracked, not enforced');
  // Its 100 KiB are read without a WINDOW_UPDATE: it would not use one, and one arriving after
  // a Go server closed would draw a TCP reset.
  b.write(encodeFrame({ type: 'DATA', streamId: stream.id, fin: true, data: Buffer.alloc(100 * 1024, 2) }, c));
  assert.equal((await readAll(stream)).length, 100 * 1024);
  await client.ping();
  assert.equal(seen[0], 'SETTINGS', 'the session announces itself first');
  assert.ok(!seen.includes('WINDOW_UPDATE'), `frames seen: ${[...new Set(seen)].join(' ')}`);
  client.destroy();
  b.destroy();
});

test('a reader that falls behind a peer that keeps no windows stops the connection being read, then catches up', { timeout: 20_000 }, async () => {
  const [a, b] = await socketPair();
  const client = new Session(a, { role: 'client' });
  const c = new HeaderCompressor();
  const opened = new Promise<number>((resolve) => onFrames(b, (f) => {
    if (f.type !== 'SYN_STREAM') return;
    b.write(encodeFrame({ type: 'SYN_REPLY', streamId: f.streamId, fin: false, headers: {} }, c));
    resolve(f.streamId);
  }));
  const stream = await client.openStream({ streamtype: 'stdout' });
  const id = await opened;
  // 16 MiB in 64 KiB frames, as fast as the socket takes them; nobody reads yet.
  const total = 16 << 20;
  for (let sent = 0; sent < total; sent += 64 * 1024) {
    b.write(encodeFrame({ type: 'DATA', streamId: id, fin: sent + 64 * 1024 >= total, data: Buffer.alloc(64 * 1024, 7) }, c));
  }
  // A session that kept reading would take all 16 MiB over loopback well within 500 ms; this one
  // stops near the stream's bound and the rest waits in the sender's socket.
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(stream.unread < MAX_UNREAD + 256 * 1024, `the stream holds ${stream.unread} unread bytes`);
  assert.ok(b.writableLength > 4 << 20, `the sender still holds ${b.writableLength} bytes`);
  assert.equal((await readAll(stream)).length, total, 'every byte arrives once the reader catches up');
  client.destroy();
  b.destroy();
});

test('frames split anywhere across reads (a header byte by byte, a large frame in many pieces) decode intact', { timeout: 10_000 }, async () => {
  const socket = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
  const server = new Session(socket, { role: 'server' });
  const c = new HeaderCompressor();
  const payload = randomBytes(200_000);
  const wire = Buffer.concat([
    encodeFrame({ type: 'SYN_STREAM', streamId: 1, associatedToStreamId: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: 'data' } }, c),
    encodeFrame({ type: 'DATA', streamId: 1, fin: false, data: payload.subarray(0, 5) }, c),
    encodeFrame({ type: 'DATA', streamId: 1, fin: true, data: payload.subarray(5) }, c),
  ]);
  const accepted = once(server, 'stream') as Promise<[SpdyStream]>;
  const sizes = [1, 3, 7, 8, 9, 1000, 4096, 65536];
  for (let off = 0, i = 0; off < wire.length; off += sizes[i++ % sizes.length]) socket.push(wire.subarray(off, off + sizes[i % sizes.length]));
  const [stream] = await accepted;
  stream.reply();
  assert.deepEqual(await readAll(stream), payload);
  server.destroy();
});

test('RST_STREAM: a refused stream rejects its opener; a reset ends reading and fails writing', { timeout: 10_000 }, async () => {
  const { client, accepted } = await sessions();
  const refused = client.openStream({ streamType: 'bogus' });
  (await accepted()).reset(RstStatus.REFUSED_STREAM);
  await assert.rejects(refused, (err: Error) => err instanceof SpdyStreamResetError && err.status === RstStatus.REFUSED_STREAM);

  const opening = client.openStream({ streamType: 'stdout' });
  const remote = await accepted();
  remote.reply();
  const local = await opening;
  remote.write('before the reset');
  await once(local, 'readable');
  remote.reset();
  // What arrived before the reset is still read, then the stream ends (Go's spdystream too).
  assert.equal((await readAll(local)).toString(), 'before the reset');
  const err = await new Promise<Error | null | undefined>((resolve) => local.write('after', resolve));
  assert.ok(err, 'a write after the reset fails');
  assert.equal(local.resetStatus, RstStatus.CANCEL);
  await client.close(1_000);
});

test('PING is answered; GOAWAY stops new streams; a closed session ends its streams', { timeout: 10_000 }, async () => {
  const { client, server, accepted } = await sessions();
  assert.ok((await server.ping()) >= 0, 'server pings (even ids) are echoed too');
  const opening = client.openStream({ streamType: 'error' });
  const remote = await accepted();
  remote.reply();
  const local = await opening;

  const goaway = once(client, 'goaway');
  const closing = server.close(5_000);
  await goaway;
  await assert.rejects(client.openStream({ streamType: 'stdin' }), SessionClosedError);
  // The open stream still works until both sides finish it; then the connection ends.
  remote.end('{"status":"Success"}');
  assert.equal((await readAll(local)).toString(), '{"status":"Success"}');
  local.end();
  await closing;
  await client.done;
  assert.equal(client.closed, true);
});

test('frames that came with the upgrade (head) are read first, after the caller listens', { timeout: 10_000 }, async () => {
  const [a, b] = await socketPair();
  const c = new HeaderCompressor();
  const head = Buffer.concat([
    encodeFrame({ type: 'SYN_STREAM', streamId: 1, associatedToStreamId: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: 'error' } }, c),
    encodeFrame({ type: 'DATA', streamId: 1, fin: true, data: Buffer.from('early') }, c),
  ]);
  const server = new Session(b, { role: 'server', head });
  const [stream] = (await once(server, 'stream')) as [SpdyStream];
  assert.equal(stream.headers.streamtype, 'error');
  assert.equal((await readAll(stream)).toString(), 'early');
  server.destroy();
  a.destroy();
});

test('a destroyed connection ends open streams and rejects pending opens', { timeout: 10_000 }, async () => {
  const { client, accepted } = await sessions();
  const opening = client.openStream({ streamType: 'stdout' });
  const remote = await accepted();
  remote.reply();
  const local = await opening;
  const pending = client.openStream({ streamType: 'stderr' });
  await accepted();
  client.destroy();
  await assert.rejects(pending, SpdyStreamResetError);
  assert.equal((await readAll(local)).length, 0);
});
