// The remotecommand and port-forward protocols over SPDY with both of our ends in-process: an
// http.Server whose 'upgrade' handler serves them, and our clients dialing it. Also the pure
// parts: protocol negotiation, stream sets, error-stream Status encoding, resize lines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { acceptRemoteCommand, dialRemoteCommand, parseResizes, remoteCommandOptionsFromQuery, streamTypesFor, type TerminalSize } from '../../../src/api/remotecommand/spdy.ts';
import { acceptSpdyChannels, dialSpdyChannels } from '../../../src/api/remotecommand/spdy_channels.ts';
import { acceptPortForward, dialPortForward, parsePort, relayPortForward } from '../../../src/api/remotecommand/spdy_portforward.ts';
import { dialSpdy, spdyHandshake, UpgradeError } from '../../../src/api/remotecommand/spdy_upgrade.ts';
import { ensurePki } from '../../../src/pki/pki.ts';
import {
  decodeErrorStream, encodeErrorStream, exitCodeOf, exitCodeStatus, StreamProtocolV2, StreamProtocolV3, StreamProtocolV4,
} from '../../../src/api/remotecommand/exitstatus.ts';

let server: http.Server;
let base: string;
let echoPort: number;
let echoServer: net.Server;
const resizes: TerminalSize[] = [];

function collect(r: Readable | undefined): { text: () => string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  r?.on('data', (c: Buffer) => chunks.push(c));
  const ended = r ? new Promise<void>((resolve) => r.once('end', () => resolve())) : Promise.resolve();
  return { text: () => Buffer.concat(chunks).toString(), ended };
}

/** A fake kubelet: /exec/cat echoes stdin to stdout until EOF and exits 0; /exec/fail exits 7. */
async function serveExec(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const rc = await acceptRemoteCommand(req, socket, head);
  rc.onResize((size) => resizes.push(size));
  if (req.url!.startsWith('/exec/fail')) {
    rc.stderr?.write('failing\n');
    await rc.finish(exitCodeStatus(7));
    return;
  }
  rc.stdin!.pipe(rc.stdout!, { end: false });
  await once(rc.stdin!, 'end');
  await rc.finish(exitCodeStatus(0));
}

/** The same cat, written against the channel view of the server end. */
async function serveChannels(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const s = await acceptSpdyChannels(req, socket, head);
  s.listen({
    data: (channel, data) => { if (channel === 0) s.write(1, data); },
    streamClosed: (channel) => {
      if (channel !== 0) return;
      s.write(3, encodeErrorStream(s.protocol, exitCodeStatus(0)));
      s.close();
    },
    closed: () => {},
  });
}

async function forwardTo(port: number, data: Duplex): Promise<void> {
  if (port !== 8080) throw new Error(`nothing listens on ${port}`);
  const conn = net.connect(echoPort, '127.0.0.1');
  data.pipe(conn);
  conn.pipe(data);
  await once(conn, 'close');
}

before(async () => {
  echoServer = net.createServer((c) => c.pipe(c)).listen(0, '127.0.0.1');
  await once(echoServer, 'listening');
  echoPort = (echoServer.address() as net.AddressInfo).port;
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url!.startsWith('/portforward')) acceptPortForward(req, socket, head, forwardTo);
    else if (req.url!.startsWith('/channels')) serveChannels(req, socket, head).catch(() => socket.destroy());
    else serveExec(req, socket, head).catch(() => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
after(() => {
  server.close();
  echoServer.close();
});

test('exec: stdin half-closed by end() reaches the command as EOF; a resize arrives; exit 0 is Success', { timeout: 10_000 }, async () => {
  const rc = await dialRemoteCommand(`${base}/exec/cat?stdin=1&stdout=1&tty=1`, { stdin: true, stdout: true, stderr: false, tty: true });
  assert.equal(rc.protocol, StreamProtocolV4);
  const out = collect(rc.stdout);
  rc.resize({ Width: 80, Height: 24 });
  const payload = 'x'.repeat(200 * 1024); // past the 64 KiB windows, both ways
  rc.stdin!.end(payload);
  assert.deepEqual(await rc.status, { metadata: {}, status: 'Success' });
  await out.ended;
  assert.equal(out.text(), payload);
  assert.deepEqual(resizes, [{ Width: 80, Height: 24 }]);
});

test('exec: a non-zero exit comes back as NonZeroExitCode; stderr is its own stream', { timeout: 10_000 }, async () => {
  const rc = await dialRemoteCommand(`${base}/exec/fail?stdout=true&stderr=true`, { stdin: false, stdout: true, stderr: true, tty: false });
  const err = collect(rc.stderr);
  const status = await rc.status;
  await err.ended;
  assert.equal(err.text(), 'failing\n');
  assert.equal(exitCodeOf(status), 7);
});

test('over TLS with client certificates, as the API server dials a kubelet', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-spdy-pki-'));
  const tlsServer = https.createServer({ requestCert: true, rejectUnauthorized: true });
  try {
    const pki = await ensurePki(dir, { hosts: ['127.0.0.1'] });
    tlsServer.setSecureContext({ cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem });
    tlsServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => { serveExec(req, socket, head).catch(() => socket.destroy()); });
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const url = `https://127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}/exec/cat?stdin=1&stdout=1`;
    const tls = { ca: pki.caCertPem, cert: pki.kubeletClientCertPem, key: pki.kubeletClientKeyPem };
    const rc = await dialRemoteCommand(url, { stdin: true, stdout: true, stderr: false, tty: false }, { tls });
    const out = collect(rc.stdout);
    rc.stdin!.end('over tls');
    assert.equal((await rc.status).status, 'Success');
    await out.ended;
    assert.equal(out.text(), 'over tls');
    await assert.rejects(dialRemoteCommand(url, { stdin: true, stdout: true, stderr: false, tty: false }, { tls: { ca: pki.caCertPem } }),
      'no client certificate, no upgrade');
  } finally {
    tlsServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('channel views of both ends: stdin closed by channel reaches the command; stdout, error, then closed()', { timeout: 10_000 }, async () => {
  const s = await dialSpdyChannels(`${base}/channels?stdin=1&stdout=1`, { stdin: true, stdout: true, stderr: false, tty: false });
  assert.equal(s.canCloseStream, true);
  const got = new Map<number, string>();
  const streamsClosed: number[] = [];
  const closed = new Promise<void>((resolve) => s.listen({
    data: (channel, data) => got.set(channel, (got.get(channel) ?? '') + data.toString()),
    streamClosed: (channel) => streamsClosed.push(channel),
    closed: resolve,
  }));
  s.write(0, Buffer.from('through channels'));
  s.closeStream(0);
  await closed;
  assert.equal(got.get(1), 'through channels');
  assert.deepEqual(JSON.parse(got.get(3)!), { metadata: {}, status: 'Success' });
  assert.deepEqual(streamsClosed.sort(), [1, 3]);
});

test('the upgrade is refused without a protocol both sides speak (403, accepted versions listed)', async () => {
  await assert.rejects(dialSpdy(`${base}/exec/cat?stdout=1`, ['v9.channel.k8s.io']), (err: Error) =>
    err instanceof UpgradeError && err.statusCode === 403 && /unable to negotiate protocol/.test(err.body));
  const r = spdyHandshake({ connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v9, v4.channel.k8s.io' }, [StreamProtocolV4, StreamProtocolV3]);
  assert.deepEqual(r, { ok: true, protocol: StreamProtocolV4 }, 'the client\'s order wins; comma lists count');
  assert.equal(spdyHandshake({ upgrade: 'websocket', connection: 'upgrade' }, [StreamProtocolV4]).ok, false);
  const none = spdyHandshake({ connection: 'Upgrade', upgrade: 'SPDY/3.1' }, [StreamProtocolV4]);
  assert.equal(!none.ok && none.statusCode, 400);
});

test('port-forward: a stream pair per connection; data both ways; an error stream for a port with no listener', { timeout: 10_000 }, async () => {
  const pf = await dialPortForward(`${base}/portforward`);
  const conn = await pf.forward(8080);
  const got = collect(conn.data);
  conn.data.end('hello through the pod\n');
  await got.ended;
  assert.equal(got.text(), 'hello through the pod\n', 'the echo, then EOF after our half-close');
  assert.equal(await conn.error, '');
  const bad = await pf.forward(9999);
  assert.match(await bad.error, /error forwarding port 9999: nothing listens on 9999/);
  await pf.close();
});

test('a relayed port-forward carries data and the upstream\'s error text', { timeout: 10_000 }, async () => {
  const upstream = await dialPortForward(`${base}/portforward`);
  const front = http.createServer();
  front.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => acceptPortForward(req, socket, head, relayPortForward(upstream)));
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  try {
    const pf = await dialPortForward(`http://127.0.0.1:${(front.address() as net.AddressInfo).port}/`);
    const ok = await pf.forward(8080);
    const got = collect(ok.data);
    ok.data.end('two hops');
    await got.ended;
    assert.equal(got.text(), 'two hops');
    const bad = await pf.forward(9999);
    assert.match(await bad.error, /nothing listens on 9999/);
    await pf.close();
  } finally {
    front.close();
    await upstream.close();
  }
});

test('stream sets follow the protocol and options, as client-go opens them', () => {
  const all = { stdin: true, stdout: true, stderr: true, tty: false };
  assert.deepEqual(streamTypesFor(StreamProtocolV4, all), ['error', 'stdin', 'stdout', 'stderr']);
  assert.deepEqual(streamTypesFor(StreamProtocolV4, { ...all, tty: true }), ['error', 'stdin', 'stdout', 'resize']);
  assert.deepEqual(streamTypesFor(StreamProtocolV2, { ...all, tty: true }), ['error', 'stdin', 'stdout'], 'no resize before v3');
  assert.deepEqual(remoteCommandOptionsFromQuery(new URLSearchParams('stdin=1&stdout=true&stderr=1&tty=1')),
    { stdin: true, stdout: true, stderr: false, tty: true });
});

test('error stream: v4 Status JSON both ways; v2/v3 plain text; empty is success', () => {
  const failed = exitCodeStatus(3);
  assert.deepEqual(failed.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.deepEqual(decodeErrorStream(StreamProtocolV4, encodeErrorStream(StreamProtocolV4, failed)), failed);
  assert.equal(encodeErrorStream(StreamProtocolV4, exitCodeStatus(0)).toString(), '{"metadata":{},"status":"Success"}');
  assert.equal(encodeErrorStream(StreamProtocolV3, exitCodeStatus(0)).length, 0);
  const v3 = decodeErrorStream(StreamProtocolV3, Buffer.from('container not found'));
  assert.equal(v3.status, 'Failure');
  assert.equal(v3.message, 'container not found');
  assert.equal(exitCodeOf(v3), undefined);
  assert.equal(decodeErrorStream(StreamProtocolV4, Buffer.alloc(0)).status, 'Success');
  assert.equal(decodeErrorStream(StreamProtocolV4, Buffer.from('{oops')).status, 'Failure');
});

test('resize lines and port headers parse as upstream reads them', () => {
  assert.deepEqual(parseResizes('{"Width":1,"Height":2}\n{"Width":3,"Height":4}\n{"Wid'), {
    sizes: [{ Width: 1, Height: 2 }, { Width: 3, Height: 4 }], rest: '{"Wid',
  });
  assert.deepEqual(parseResizes('garbage\n{"Width":5,"Height":6}\n').sizes, [{ Width: 5, Height: 6 }]);
  assert.deepEqual(parsePort('8080'), { port: 8080 });
  assert.ok('error' in parsePort('0'));
  assert.ok('error' in parsePort('70000'));
  assert.ok('error' in parsePort('http'));
  assert.ok('error' in parsePort(undefined));
});
