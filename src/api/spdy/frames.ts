// SPDY/3.1 frames (draft 3.1, section 2.2): encode to and parse from bytes. Pure apart from the
// header compression contexts, which are the session's per-direction state and passed in.
//
//   control: |1| version(15) | type(16) | flags(8) | length(24) | data
//   data:    |0| stream-id(31)           | flags(8) | length(24) | data
import { SpdyProtocolError, type HeaderCompressor, type HeaderDecompressor, type SpdyHeaders } from './headers.ts';

export const SPDY_VERSION = 3;
export const FRAME_HEADER_BYTES = 8;
/** The 24-bit length field's limit. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export const FrameType = {
  SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (section 2.6.3), named as in Go's spdy package. */
export const RstStatus = {
  PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5,
  INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9, FRAME_TOO_LARGE: 11,
} as const;

export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

export const Settings = { MAX_CONCURRENT_STREAMS: 4, INITIAL_WINDOW_SIZE: 7 } as const;

export interface Setting { id: number; value: number; flags?: number }

export type Frame =
  | { type: 'SYN_STREAM'; streamId: number; associatedToStreamId: number; priority: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: 'SYN_REPLY'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'RST_STREAM'; streamId: number; status: number }
  | { type: 'SETTINGS'; clear: boolean; settings: Setting[] }
  | { type: 'PING'; id: number }
  | { type: 'GOAWAY'; lastGoodStreamId: number; status: number }
  | { type: 'HEADERS'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'WINDOW_UPDATE'; streamId: number; delta: number }
  | { type: 'DATA'; streamId: number; fin: boolean; data: Buffer };

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('control frame too large');
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

function words(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** The frame's bytes. Frames with headers advance `compressor`, so encode in sending order. */
export function encodeFrame(frame: Frame, compressor: HeaderCompressor): Buffer {
  const fin = 'fin' in frame && frame.fin ? FLAG_FIN : 0;
  switch (frame.type) {
    case 'DATA': {
      if (frame.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('data frame too large');
      const head = words(frame.streamId & 0x7fffffff, (fin << 24 | frame.data.length) >>> 0);
      return Buffer.concat([head, frame.data]);
    }
    case 'SYN_STREAM': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      fixed.writeUInt32BE(frame.associatedToStreamId & 0x7fffffff, 4);
      fixed.writeUInt8((frame.priority & 0x7) << 5, 8);
      const flags = fin | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return control(FrameType.SYN_STREAM, flags, Buffer.concat([fixed, compressor.compress(frame.headers)]));
    }
    case 'SYN_REPLY':
    case 'HEADERS': {
      const payload = Buffer.concat([words(frame.streamId & 0x7fffffff), compressor.compress(frame.headers)]);
      return control(FrameType[frame.type], fin, payload);
    }
    case 'RST_STREAM': return control(FrameType.RST_STREAM, 0, words(frame.streamId & 0x7fffffff, frame.status));
    case 'SETTINGS': {
      const entries = frame.settings.flatMap((s) => [((s.flags ?? 0) << 24 | (s.id & 0xffffff)) >>> 0, s.value]);
      return control(FrameType.SETTINGS, frame.clear ? 1 : 0, words(frame.settings.length, ...entries));
    }
    case 'PING': return control(FrameType.PING, 0, words(frame.id));
    case 'GOAWAY': return control(FrameType.GOAWAY, 0, words(frame.lastGoodStreamId & 0x7fffffff, frame.status));
    case 'WINDOW_UPDATE': return control(FrameType.WINDOW_UPDATE, 0, words(frame.streamId & 0x7fffffff, frame.delta & 0x7fffffff));
  }
}

/**
 * The first frame in buf[offset…]: the frame (null for a control frame of a type SPDY/3.1 no
 * longer uses, such as CREDENTIAL, which the caller skips) and its size in bytes; undefined while
 * the frame is incomplete. Throws SpdyProtocolError on a malformed frame.
 */
export function decodeFrame(buf: Buffer, offset: number, decompressor: HeaderDecompressor): { frame: Frame | null; size: number } | undefined {
  if (buf.length - offset < FRAME_HEADER_BYTES) return undefined;
  const first = buf.readUInt32BE(offset);
  const flagsLength = buf.readUInt32BE(offset + 4);
  const flags = flagsLength >>> 24;
  const length = flagsLength & 0xffffff;
  const size = FRAME_HEADER_BYTES + length;
  if (buf.length - offset < size) return undefined;
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, offset + size);
  if ((first & 0x80000000) === 0) {
    const streamId = first & 0x7fffffff;
    if (streamId === 0) throw new SpdyProtocolError('data frame on stream 0');
    // A view, not a copy: a received chunk is never reused, and the reader soon lets it go.
    return { frame: { type: 'DATA', streamId, fin: (flags & FLAG_FIN) !== 0, data: payload }, size };
  }
  const version = (first >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  return { frame: decodeControl(first & 0xffff, flags, payload, decompressor), size };
}

function decodeControl(type: number, flags: number, p: Buffer, decompressor: HeaderDecompressor): Frame | null {
  const need = (n: number) => {
    if (p.length < n) throw new SpdyProtocolError(`control frame type ${type} too short (${p.length} bytes)`);
  };
  const fin = (flags & FLAG_FIN) !== 0;
  const id = () => p.readUInt32BE(0) & 0x7fffffff;
  switch (type) {
    case FrameType.SYN_STREAM:
      need(10);
      return {
        type: 'SYN_STREAM', streamId: id(), associatedToStreamId: p.readUInt32BE(4) & 0x7fffffff,
        priority: p[8] >>> 5, fin, unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headers: decompressor.decompress(p.subarray(10)),
      };
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS:
      need(4);
      return { type: type === FrameType.SYN_REPLY ? 'SYN_REPLY' : 'HEADERS', streamId: id(), fin, headers: decompressor.decompress(p.subarray(4)) };
    case FrameType.RST_STREAM: need(8); return { type: 'RST_STREAM', streamId: id(), status: p.readUInt32BE(4) };
    case FrameType.SETTINGS: {
      need(4);
      const n = p.readUInt32BE(0);
      need(4 + n * 8);
      const settings = Array.from({ length: n }, (_, i) => {
        const fid = p.readUInt32BE(4 + i * 8);
        return { flags: fid >>> 24, id: fid & 0xffffff, value: p.readUInt32BE(8 + i * 8) };
      });
      return { type: 'SETTINGS', clear: (flags & 1) !== 0, settings };
    }
    case FrameType.PING: need(4); return { type: 'PING', id: p.readUInt32BE(0) };
    // SPDY/3 GOAWAY carries a status; SPDY/2's did not, so tolerate 4 bytes.
    case FrameType.GOAWAY: need(4); return { type: 'GOAWAY', lastGoodStreamId: id(), status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case FrameType.WINDOW_UPDATE: need(8); return { type: 'WINDOW_UPDATE', streamId: id(), delta: p.readUInt32BE(4) & 0x7fffffff };
    default: return null;
  }
}
