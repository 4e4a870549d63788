// SPDY/3.1 frame codec and header compression: byte layouts from the draft, round trips, and
// header blocks compressed by another implementation in one shared context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, inflateSync } from 'node:zlib';
import { adler32, SPDY3_DICTIONARY, SPDY3_DICTIONARY_ID } from '../../../src/api/spdy/dictionary.ts';
import { decodeFrame, encodeFrame, GoAwayStatus, RstStatus, Settings, type Frame } from '../../../src/api/spdy/frames.ts';
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, SpdyProtocolError, type SpdyHeaders } from '../../../src/api/spdy/headers.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');


test('the dictionary is the 1,423 bytes Go compiles in (Adler-32 e3c6a7c2)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398, 'the Adler-32 example from its Wikipedia page');
  assert.equal(SPDY3_DICTIONARY_ID, 0xe3c6a7c2);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith(',*,enq=0.'));
});

test('control frames have the draft 3.1 layouts', () => {
  const c = new HeaderCompressor();
  const enc = (f: Frame) => encodeFrame(f, c).toString('hex');
  assert.equal(enc({ type: 'PING', id: 1 }), '80030006' + '00000004' + '00000001');
  assert.equal(enc({ type: 'RST_STREAM', streamId: 3, status: RstStatus.CANCEL }), '80030003' + '00000008' + '00000003' + '00000005');
  assert.equal(enc({ type: 'GOAWAY', lastGoodStreamId: 5, status: GoAwayStatus.PROTOCOL_ERROR }), '80030007' + '00000008' + '00000005' + '00000001');
  assert.equal(enc({ type: 'WINDOW_UPDATE', streamId: 0, delta: 0x8000 }), '80030009' + '00000008' + '00000000' + '00008000');
  assert.equal(enc({ type: 'SETTINGS', clear: false, settings: [{ id: Settings.INITIAL_WINDOW_SIZE, value: 65536 }] }),
    '80030004' + '0000000c' + '00000001' + '00000007' + '00010000');
  assert.equal(enc({ type: 'DATA', streamId: 7, fin: true, data: Buffer.from('hi') }), '00000007' + '01000002' + '6869');
  assert.equal(enc({ type: 'DATA', streamId: 1, fin: true, data: Buffer.alloc(0) }), '00000001' + '01000000');
  c.close();
});

test('a SYN_STREAM carries id, priority, flags and a zlib header block with the SPDY dictionary id', () => {
  const c = new HeaderCompressor();
  const bytes = encodeFrame({ type: 'SYN_STREAM', streamId: 1, associatedToStreamId: 0, priority: 7, fin: false, unidirectional: true, headers: { streamType: 'error' } }, c);
  assert.equal(bytes.subarray(0, 4).toString('hex'), '80030001');
  assert.equal(bytes[4], 0x02, 'UNIDIRECTIONAL flag');
  assert.equal(bytes.readUIntBE(5, 3), bytes.length - 8);
  assert.equal(bytes.subarray(8, 18).toString('hex'), '00000001' + '00000000' + 'e000');
  // zlib header: deflate, best compression, FDICT, then the dictionary's Adler-32.
  assert.equal(bytes.subarray(18, 24).toString('hex'), '78f9e3c6a7c2');
  assert.ok(bytes.subarray(-4).equals(hex('0000ffff')), 'each block ends with a sync flush');
  c.close();
});

test('header blocks another zlib compressed in one context decode in order', () => {
  // Python's zlib, level 9, the SPDY dictionary, Z_SYNC_FLUSH after each block: the second
  // block refers back into the first, so it inflates only in the same context.
  const d = new HeaderDecompressor();
  assert.deepEqual(d.decompress(hex('78f9e3c6a7c202a62346703a2b294a4dcc851625aca9a08006000000ffff')), { streamtype: 'error' });
  assert.deepEqual(d.decompress(hex('c22e555c02cc2e00000000ffff')), { streamtype: 'stdin' });
  d.close();
  const fresh = new HeaderDecompressor();
  assert.throws(() => fresh.decompress(hex('c22e555c02cc2e00000000ffff')), SpdyProtocolError);
  fresh.close();
});

test('our blocks, concatenated, are one zlib stream an ordinary long-lived inflater reads', () => {
  const c = new HeaderCompressor();
  const sets: SpdyHeaders[] = [{ streamtype: 'error' }, { streamtype: 'stdout' }, { streamtype: 'stdout', port: '80' }, { streamtype: 'error' }];
  const wire = Buffer.concat(sets.map((h) => c.compress(h)));
  const plain = inflateSync(wire, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  assert.ok(plain.equals(Buffer.concat(sets.map((h) => encodeHeaderBlock(h)))));
  assert.ok(wire.length < plain.length, `later blocks refer back to earlier ones (${wire.length} < ${plain.length} bytes)`);
});

test('every frame round-trips through one compressor/decompressor pair, in a byte stream split anywhere', () => {
  const frames: Frame[] = [
    { type: 'SYN_STREAM', streamId: 1, associatedToStreamId: 0, priority: 3, fin: false, unidirectional: false, headers: { streamtype: 'stdin', port: '8080' } },
    { type: 'SYN_REPLY', streamId: 1, fin: false, headers: {} },
    { type: 'HEADERS', streamId: 1, fin: true, headers: { 'x-multi': 'a\0b' } },
    { type: 'DATA', streamId: 1, fin: false, data: Buffer.alloc(70_000, 7) },
    { type: 'SYN_STREAM', streamId: 3, associatedToStreamId: 1, priority: 0, fin: true, unidirectional: false, headers: { streamtype: 'stdin', port: '8080' } },
    { type: 'RST_STREAM', streamId: 3, status: RstStatus.REFUSED_STREAM },
    { type: 'SETTINGS', clear: true, settings: [{ id: 4, value: 100, flags: 1 }, { id: 7, value: 1 << 20, flags: 0 }] },
    { type: 'PING', id: 0xfffffffe },
    { type: 'GOAWAY', lastGoodStreamId: 3, status: 0 },
    { type: 'WINDOW_UPDATE', streamId: 1, delta: 0x7fffffff },
  ];
  const c = new HeaderCompressor();
  const wire = Buffer.concat(frames.map((f) => encodeFrame(f, c)));
  for (const cut of [1, 9, 700, wire.length - 3]) {
    const d = new HeaderDecompressor();
    const got: Frame[] = [];
    let pending = Buffer.alloc(0);
    for (const piece of [wire.subarray(0, cut), wire.subarray(cut)]) {
      pending = Buffer.concat([pending, piece]);
      let off = 0;
      for (let r = decodeFrame(pending, off, d); r; r = decodeFrame(pending, off, d)) {
        off += r.size;
        if (r.frame) got.push(r.frame);
      }
      pending = pending.subarray(off);
    }
    assert.deepEqual(got, frames, `split at ${cut}`);
    d.close();
  }
  c.close();
});

test('decoding rejects what Go would reject and skips retired control frames', () => {
  const d = new HeaderDecompressor();
  assert.throws(() => decodeFrame(hex('00000000 00000001 00'), 0, d), /stream 0/);
  assert.throws(() => decodeFrame(hex('80020006 00000004 00000001'), 0, d), /version 2/);
  assert.throws(() => decodeFrame(hex('80030003 00000004 00000001'), 0, d), /too short/);
  // CREDENTIAL (type 10) is gone from SPDY/3.1: parsed past, not understood.
  assert.deepEqual(decodeFrame(hex('8003000a 00000002 abcd'), 0, d), { frame: null, size: 10 });
  assert.equal(decodeFrame(hex('80030006 00000004 0000'), 0, d), undefined, 'incomplete');
  d.close();
});

test('name/value blocks: lowercase names, duplicates refused, truncation detected', () => {
  const block = encodeHeaderBlock({ StreamType: 'data', requestID: '0' });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'data', requestid: '0' });
  assert.throws(() => encodeHeaderBlock({ a: '1', A: '2' }), /duplicate/);
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
});
