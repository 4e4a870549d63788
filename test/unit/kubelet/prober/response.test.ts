// The probe's HTTP/1.x response parser: bytes in (in any split), status, Location, body framing,
// the body cap, and Go's wording for broken responses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../../../src/kubelet/prober/response.ts';

/** Feeds `raw` in pieces of `step` bytes; returns the parser and whether it said done. */
function feed(raw: string | Buffer, step = Infinity, limit = 10 * 1024): { p: ResponseParser; done: boolean } {
  const p = new ResponseParser(limit);
  const b = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  let done = false;
  for (let i = 0; i < b.length && !done; i += Math.min(step, b.length)) done = p.push(b.subarray(i, i + Math.min(step, b.length)));
  return { p, done };
}

describe('ResponseParser', () => {
  for (const step of [Infinity, 1, 7]) {
    test(`a Content-Length body is read exactly, in pieces of ${step}`, () => {
      const { p, done } = feed('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloEXTRA', step);
      assert.equal(done, true);
      assert.equal(p.status, 200);
      assert.equal(p.text(), 'hello');
    });

    test(`a chunked body is decoded, with extensions and trailers, in pieces of ${step}`, () => {
      const { p, done } = feed('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n', step);
      assert.equal(done, true);
      assert.equal(p.text(), 'Wikipedia in\r\n\r\nchunks.');
    });
  }

  test('a body without length runs to EOF: not done until the connection ends', () => {
    const { p, done } = feed('HTTP/1.0 200 OK\r\n\r\nuntil close');
    assert.equal(done, false);
    p.end();
    assert.equal(p.done, true);
    assert.equal(p.text(), 'until close');
  });

  test('the body is cut at the limit, which ends the read', () => {
    const { p, done } = feed(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(100)}`, 13, 10);
    assert.equal(done, true);
    assert.equal(p.text(), 'x'.repeat(10));
    const chunked = feed(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${'y'.repeat(100)}\r\n0\r\n\r\n`, Infinity, 10);
    assert.equal(chunked.done, true);
    assert.equal(chunked.p.text(), 'y'.repeat(10));
  });

  test('Location is read (names are case-insensitive); 204 and 304 have no body', () => {
    const r = feed('HTTP/1.1 302 Found\r\nlocation: /next\r\ncontent-length: 0\r\n\r\n');
    assert.equal(r.done, true);
    assert.equal(r.p.status, 302);
    assert.equal(r.p.location, '/next');
    assert.equal(feed('HTTP/1.1 204 No Content\r\n\r\n').done, true);
    assert.equal(feed('HTTP/1.1 304 Not Modified\r\n\r\n').done, true);
  });

  test('1xx informational answers are skipped; bare LF line ends are accepted', () => {
    const { p, done } = feed('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 404 Not Found\nContent-Length: 2\n\nno');
    assert.equal(done, true);
    assert.equal(p.status, 404);
    assert.equal(p.text(), 'no');
  });

  test('a reason phrase is optional; a status line without a status is malformed', () => {
    assert.equal(feed('HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n').p.status, 500);
    assert.throws(() => feed('garbage\r\n\r\n'), { message: 'net/http: HTTP/1.x transport connection broken: malformed HTTP response "garbage"' });
    assert.throws(() => feed('HTTP/1.1 2x0 OK\r\n\r\n'), { message: 'net/http: HTTP/1.x transport connection broken: malformed HTTP status code "2x0"' });
    assert.throws(() => feed('SPDY/3 200 OK\r\n\r\n'), { message: 'net/http: HTTP/1.x transport connection broken: malformed HTTP version "SPDY/3"' });
    assert.throws(() => feed('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), /multiple Content-Length/);
  });

  test('EOF before the head is Go\'s EOF; before the promised body ends, unexpected EOF', () => {
    const empty = new ResponseParser(10);
    assert.throws(() => empty.end(), { message: 'EOF' });
    const half = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc').p;
    assert.throws(() => half.end(), { message: 'unexpected EOF' });
    assert.equal(half.headDone, true);
    const partialHead = feed('HTTP/1.1 200 OK\r\nContent-').p;
    assert.throws(() => partialHead.end(), { message: 'unexpected EOF' });
  });

  test('UTF-8 split across chunks survives', () => {
    const body = Buffer.from('héllo wörld', 'utf8');
    const raw = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    assert.equal(feed(raw, 3).p.text(), 'héllo wörld');
  });
});
