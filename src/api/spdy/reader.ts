// Received bytes into whole SPDY frames. A frame inside one chunk is decoded where it lies (no
// copy; a DATA payload is a view of the chunk); one that runs past its chunk is kept in pieces
// and joined once, when it is whole (no quadratic copying however many chunks it spans).
import { decodeFrame, FRAME_HEADER_BYTES, type Frame } from './frames.ts';
import type { HeaderDecompressor } from './headers.ts';

/** A frame's whole size from its 8-byte header at off. */
function frameSize(buf: Buffer, off = 0): number {
  return FRAME_HEADER_BYTES + (buf.readUInt32BE(off + 4) & 0xffffff);
}

export class FrameReader {
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(private readonly decompressor: HeaderDecompressor) {}

  /**
   * Hands each frame the chunk completes to onFrame, in order, while onFrame returns true.
   * Throws SpdyProtocolError on a malformed frame.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => boolean): void {
    const rest = this.completePartial(chunk, onFrame);
    if (rest) this.decodeWhole(rest, onFrame);
  }

  /** Feeds the pending partial frame from chunk; what is left of chunk once it is whole, else undefined. */
  private completePartial(chunk: Buffer, onFrame: (frame: Frame) => boolean): Buffer | undefined {
    if (!this.partialBytes) return chunk;
    this.partial.push(chunk);
    this.partialBytes += chunk.length;
    if (this.partialBytes < FRAME_HEADER_BYTES) return undefined;
    if (this.partial[0].length < FRAME_HEADER_BYTES) this.partial = [Buffer.concat(this.partial)];
    const size = frameSize(this.partial[0]);
    if (this.partialBytes < size) return undefined;
    const joined = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return this.decodeWhole(joined.subarray(0, size), onFrame) ? joined.subarray(size) : undefined;
  }

  /** Decodes every whole frame in buf, keeping an incomplete one at the end; false once onFrame said stop. */
  private decodeWhole(buf: Buffer, onFrame: (frame: Frame) => boolean): boolean {
    let off = 0;
    for (let next = decodeFrame(buf, off, this.decompressor); next; next = decodeFrame(buf, off, this.decompressor)) {
      off += next.size;
      if (next.frame && !onFrame(next.frame)) return false;
    }
    if (off < buf.length) {
      this.partial = [buf.subarray(off)];
      this.partialBytes = buf.length - off;
    }
    return true;
  }
}
