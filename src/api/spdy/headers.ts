// SPDY/3 name/value header blocks (section 2.6.10): a 32-bit pair count, then for each pair
// a 32-bit length and the lowercase name, a 32-bit length and the value (several values joined
// by NUL). Blocks travel zlib-compressed with the SPDY/3 dictionary, one compression context per
// direction for the whole session, each block ending in a sync flush so the peer can inflate it
// at once without the stream ever finishing.
import * as zlib from 'node:zlib';
import { SPDY3_DICTIONARY, SPDY3_DICTIONARY_ID } from './dictionary.ts';

/** Header names are lowercase on the wire (Go's framer rejects others); several values are NUL-joined. */
export type SpdyHeaders = Record<string, string>;

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const pairs = Object.entries(headers).map(([k, v]) => [Buffer.from(k.toLowerCase(), 'utf8'), Buffer.from(v, 'utf8')]);
  const seen = new Set<string>();
  for (const [k] of pairs) {
    const name = k.toString();
    if (seen.has(name)) throw new SpdyProtocolError(`duplicate header name ${name}`);
    seen.add(name);
  }
  const size = 4 + pairs.reduce((n, [k, v]) => n + 8 + k.length + v.length, 0);
  const out = Buffer.alloc(size);
  let off = out.writeUInt32BE(pairs.length, 0);
  for (const [k, v] of pairs) {
    off = out.writeUInt32BE(k.length, off);
    off += k.copy(out, off);
    off = out.writeUInt32BE(v.length, off);
    off += v.copy(out, off);
  }
  return out;
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const need = (off: number, n: number) => {
    if (off + n > block.length) throw new SpdyProtocolError('truncated header block');
  };
  need(0, 4);
  const count = block.readUInt32BE(0);
  const headers: SpdyHeaders = {};
  let off = 4;
  for (let i = 0; i < count; i++) {
    need(off, 4);
    const klen = block.readUInt32BE(off);
    need(off + 4, klen + 4);
    const name = block.toString('utf8', off + 4, off + 4 + klen).toLowerCase();
    off += 4 + klen;
    const vlen = block.readUInt32BE(off);
    need(off + 4, vlen);
    const value = block.toString('utf8', off + 4, off + 4 + vlen);
    off += 4 + vlen;
    if (!name) throw new SpdyProtocolError('empty header name');
    if (name in headers) throw new SpdyProtocolError(`duplicate header name ${name}`);
    headers[name] = value;
  }
  return headers;
}

// One zlib stream per direction spans the session, but Node's zlib streams are asynchronous
// and the session parses and writes frames synchronously. A deflate stream cut at sync flushes
// is a run of self-contained segments whose back-references reach only into the last 32 KiB of
// output (the dictionary counting as output before the first byte), so each block is deflated
// and inflated on its own with that sliding window as the preset dictionary: the same bytes
// on the wire as one long-lived context, with synchronous calls.
const WINDOW = 32 * 1024;

function slide(history: Buffer, block: Buffer): Buffer {
  const all = Buffer.concat([history, block]);
  return all.length > WINDOW ? all.subarray(all.length - WINDOW) : all;
}

/** The zlib stream header: deflate, 32 KiB window, best compression, FDICT, then the dictionary id. */
function zlibHeader(): Buffer {
  const h = Buffer.from([0x78, 0xf9, 0, 0, 0, 0]);
  h.writeUInt32BE(SPDY3_DICTIONARY_ID, 2);
  return h;
}

/** Our direction's compression context: compress(headers) is one frame's header block. */
export class HeaderCompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;
  compress(headers: SpdyHeaders): Buffer {
    const block = encodeHeaderBlock(headers);
    const deflated = zlib.deflateRawSync(block, {
      dictionary: this.history, level: zlib.constants.Z_BEST_COMPRESSION, finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    this.history = slide(this.history, block);
    if (this.started) return deflated;
    this.started = true;
    return Buffer.concat([zlibHeader(), deflated]);
  }
  close(): void { this.history = Buffer.alloc(0); }
}

/** The peer's compression context, inflated one header block at a time. */
export class HeaderDecompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;
  decompress(bytes: Buffer): SpdyHeaders {
    let raw = bytes;
    if (!this.started) {
      raw = stripZlibHeader(bytes);
      this.started = true;
    }
    let block: Buffer;
    try {
      block = zlib.inflateRawSync(raw, { dictionary: this.history, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw new SpdyProtocolError(`header block does not inflate: ${(err as Error).message}`);
    }
    this.history = slide(this.history, block);
    return decodeHeaderBlock(block);
  }
  close(): void { this.history = Buffer.alloc(0); }
}

function stripZlibHeader(bytes: Buffer): Buffer {
  if (bytes.length < 6) throw new SpdyProtocolError('header block too short for a zlib stream header');
  const [cmf, flg] = [bytes[0], bytes[1]];
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) throw new SpdyProtocolError('header block is not a zlib stream');
  if (!(flg & 0x20) || bytes.readUInt32BE(2) !== SPDY3_DICTIONARY_ID) {
    throw new SpdyProtocolError('header block is not compressed with the SPDY/3 dictionary');
  }
  return bytes.subarray(6);
}
