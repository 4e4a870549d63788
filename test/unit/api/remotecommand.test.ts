// The channel protocol: frames, protocol negotiation, stream options, exit-code Statuses, and a
// WebSocket session through a real loopback server (the `ws` package on both ends).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  acceptWebSocket, Base64ProtocolV1, Base64ProtocolV4, decodeFrame, HIGH_WATER_MARK, dialWebSocket, encodeBase64Frame, encodeClose, encodeFrame, isWebSocketRequest,
  negotiateProtocol, UpgradeFailure, type WebSocketSession,
} from '../../../src/api/remotecommand/websocket.ts';
import { parseStreamOptions, StreamProtocolV5Name } from '../../../src/api/remotecommand/types.ts';
import { decodeErrorStream, exitCodeOf, exitCodeStatus, StreamProtocolV1, StreamProtocolV4 as StreamProtocolV4Name, SUCCESS, translateErrorStream } from '../../../src/api/remotecommand/exitstatus.ts';

describe('channel frames', () => {
  it('puts the channel byte before the data and reads it back', () => {
    const frame = encodeFrame(2, Buffer.from('err'));
    assert.deepEqual([...frame], [2, 0x65, 0x72, 0x72]);
    assert.deepEqual(decodeFrame(frame, StreamProtocolV5Name), { kind: 'data', channel: 2, data: Buffer.from('err') });
  });

  it('skips empty messages (the server\'s "ready") and keeps a frame with no data', () => {
    assert.equal(decodeFrame(Buffer.alloc(0), StreamProtocolV5Name), undefined);
    assert.deepEqual(decodeFrame(Buffer.from([1]), StreamProtocolV4Name), { kind: 'data', channel: 1, data: Buffer.alloc(0) });
  });

  it('reads CLOSE (255) only in v5; in v4 channel 255 is data like any other', () => {
    assert.deepEqual([...encodeClose(0)], [255, 0]);
    assert.deepEqual(decodeFrame(encodeClose(0), StreamProtocolV5Name), { kind: 'close', channel: 0 });
    assert.equal(decodeFrame(Buffer.from([255]), StreamProtocolV5Name), undefined);
    assert.equal(decodeFrame(encodeClose(0), StreamProtocolV4Name)?.kind, 'data');
  });

  it('frames the base64 protocols as text: the channel\'s digit, then base64 (as upstream\'s wsstream)', () => {
    assert.equal(encodeBase64Frame(1, Buffer.from('hi')), '1aGk=');
    assert.deepEqual(decodeFrame(Buffer.from('2ZXJy'), Base64ProtocolV1), { kind: 'data', channel: 2, data: Buffer.from('err') });
    assert.deepEqual(decodeFrame(Buffer.from('0'), Base64ProtocolV4), { kind: 'data', channel: 0, data: Buffer.alloc(0) });
  });

  it('translates the error stream for a pre-v4 peer: a Status becomes its message, Success nothing', () => {
    const failed = Buffer.from(JSON.stringify(exitCodeStatus(3)));
    assert.equal(translateErrorStream(StreamProtocolV4Name, StreamProtocolV1, failed).toString(), 'command terminated with non-zero exit code: exit code 3');
    assert.equal(translateErrorStream(StreamProtocolV4Name, Base64ProtocolV1, Buffer.from(JSON.stringify(SUCCESS))).length, 0);
    // Alike on both sides (v4 and its base64 variant): the bytes pass as they are.
    assert.equal(translateErrorStream(StreamProtocolV4Name, Base64ProtocolV4, failed), failed);
  });

  it('negotiates the first offered protocol the server speaks', () => {
    assert.equal(negotiateProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'], [StreamProtocolV4Name]), StreamProtocolV4Name);
    assert.equal(negotiateProtocol([' v4.channel.k8s.io', 'v5.channel.k8s.io'], [StreamProtocolV5Name, StreamProtocolV4Name]), StreamProtocolV4Name);
    assert.equal(negotiateProtocol(['channel.k8s.io'], [StreamProtocolV5Name]), undefined);
  });

  it('recognises a WebSocket upgrade by its Connection and Upgrade headers', () => {
    assert.equal(isWebSocketRequest({ connection: 'keep-alive, Upgrade', upgrade: 'websocket' }), true);
    assert.equal(isWebSocketRequest({ connection: 'Upgrade', upgrade: 'SPDY/3.1' }), false);
    assert.equal(isWebSocketRequest({ upgrade: 'websocket' }), false);
  });
});

describe('stream options and exit codes', () => {
  it('reads the streams as upstream\'s NewOptions: "1" or "true", a TTY drops stderr, one stream at least', () => {
    assert.deepEqual(parseStreamOptions(new URLSearchParams('stdin=1&stdout=true&stderr=1')), { stdin: true, stdout: true, stderr: true, tty: false });
    assert.deepEqual(parseStreamOptions(new URLSearchParams('stdout=1&stderr=1&tty=1')), { stdin: false, stdout: true, stderr: false, tty: true });
    assert.throws(() => parseStreamOptions(new URLSearchParams('tty=1&stderr=1')), { message: 'you must specify at least 1 of stdin, stdout, stderr', code: 400 });
  });

  it('carries an exit code in a NonZeroExitCode Status with an ExitCode cause, and reads it back', () => {
    const s = exitCodeStatus(3);
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.deepEqual(s.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(exitCodeOf(decodeErrorStream(StreamProtocolV4Name, Buffer.from(JSON.stringify(s)))), 3);
    assert.equal(exitCodeOf(SUCCESS), 0);
    assert.equal(exitCodeOf({ metadata: {}, status: 'Failure', reason: 'InternalError', message: 'boom' }), undefined);
    // Bytes that are not a Status carry no exit code.
    assert.equal(exitCodeOf(decodeErrorStream(StreamProtocolV4Name, Buffer.from('not json'))), undefined);
  });
});

describe('WebSocket sessions', () => {
  let server: Server;
  let url: string;
  let accepted: (s: WebSocketSession) => void;
  const nextSession = () => new Promise<WebSocketSession>((r) => (accepted = r));

  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(403);
      res.end('no plain requests');
    });
    server.on('upgrade', (req, socket, head) => {
      const body = 'pod does not exist';
      if (req.url === '/refuse') return socket.end(`HTTP/1.1 404 Not Found\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      void acceptWebSocket(req, socket, head).then((s) => accepted(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  const collect = (s: WebSocketSession) => {
    const got: Array<[number, string]> = [];
    const closedStreams: number[] = [];
    let closed = false;
    s.listen({ data: (c, d) => got.push([c, d.toString()]), streamClosed: (c) => closedStreams.push(c), closed: () => (closed = true) });
    return { got, closedStreams, isClosed: () => closed };
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(cond(), 'condition not reached');
  };

  it('prefers v5, carries frames both ways, and passes a stream\'s CLOSE', async () => {
    const serverSide = nextSession();
    const client = await dialWebSocket(url, [StreamProtocolV5Name, StreamProtocolV4Name]);
    const srv = await serverSide;
    assert.equal(client.protocol, StreamProtocolV5Name);
    assert.equal(srv.protocol, StreamProtocolV5Name);
    const atServer = collect(srv);
    const atClient = collect(client);
    client.write(0, Buffer.from('input'));
    client.closeStream(0);
    srv.write(1, Buffer.from('output'));
    srv.close();
    await until(() => atClient.isClosed() && atServer.closedStreams.length === 1);
    assert.deepEqual(atServer.got, [[0, 'input']]);
    assert.deepEqual(atServer.closedStreams, [0]);
    assert.deepEqual(atClient.got, [[1, 'output']]);
  });

  it('keeps frames that arrive before listen()', async () => {
    const serverSide = nextSession();
    const client = await dialWebSocket(url, [StreamProtocolV4Name]);
    const srv = await serverSide;
    const atServer = collect(srv);
    srv.write(2, Buffer.from('early'));
    srv.close();
    // The closing handshake completes once the client has read everything before it.
    await until(() => atServer.isClosed());
    const atClient = collect(client);
    await until(() => atClient.isClosed());
    assert.deepEqual(atClient.got, [[2, 'early']]);
  });

  it('cannot close one stream in v4: nothing is sent', async () => {
    const serverSide = nextSession();
    const client = await dialWebSocket(url, [StreamProtocolV4Name]);
    const srv = await serverSide;
    assert.equal(client.canCloseStream, false);
    const atServer = collect(srv);
    client.closeStream(0);
    client.write(0, Buffer.from('x'));
    await until(() => atServer.got.length === 1);
    assert.deepEqual(atServer.closedStreams, []);
    client.close();
  });

  it('asks the writer to wait past the high-water mark, and calls back once the data has gone out', async () => {
    const serverSide = nextSession();
    const client = await dialWebSocket(url, [StreamProtocolV5Name]);
    const srv = await serverSide;
    const atClient = collect(client);
    client.pause();
    const big = Buffer.alloc(HIGH_WATER_MARK, 7);
    assert.equal(srv.write(1, big), false);
    let drained = false;
    srv.onDrained(() => (drained = true));
    client.resume();
    await until(() => drained && atClient.got.length === 1);
    assert.equal(atClient.got[0][1].length, HIGH_WATER_MARK);
    srv.close();
  });

  it('reports a refused upgrade with its status code and body', async () => {
    await assert.rejects(dialWebSocket(`${url}/refuse`, [StreamProtocolV4Name]), (e: unknown) => e instanceof UpgradeFailure && e.code === 404 && e.body === 'pod does not exist');
  });
});
