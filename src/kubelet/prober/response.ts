// An incremental parser of one HTTP/1.x response, as much of it as a probe needs: the status,
// Location, the body framing (Content-Length, chunked, or up to EOF) and the body up to a cap.
// Pure (bytes in, state out) so it is tested without sockets; errors carry Go's wording, since
// upstream's probe messages are Go's net/http errors.

/** What ends a response early: headers larger than Go's transport accepts by default. */
export const maxHeaderBytes = 1 << 20;
const maxInformational = 5;

export class ResponseError extends Error {}

const broken = (what: string) => new ResponseError(`net/http: HTTP/1.x transport connection broken: ${what}`);
const quote = (s: string) => JSON.stringify(s);

type Framing = 'none' | 'length' | 'chunked' | 'eof';
type ChunkState = 'size' | 'data' | 'dataEnd';

export class ResponseParser {
  status = 0;
  location: string | undefined;
  /** True once the final (non-1xx) status line and headers are in. */
  headDone = false;
  /** True once the body ended or reached the cap: nothing more to read. */
  done = false;

  private pending: Buffer | undefined;
  private informational = 0;
  private framing: Framing = 'none';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private chunkLine = '';
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly bodyLimit: number) {}

  /** Feeds bytes from the socket; returns `done`. Throws a ResponseError on a malformed response. */
  push(chunk: Buffer): boolean {
    let data = chunk;
    while (!this.headDone) {
      const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
      const end = headEnd(buf);
      if (end < 0) {
        if (buf.length > maxHeaderBytes) throw new ResponseError(`net/http: server response headers exceeded ${maxHeaderBytes} bytes; aborted`);
        this.pending = buf;
        return false;
      }
      this.pending = undefined;
      this.parseHead(buf.toString('latin1', 0, end));
      data = buf.subarray(end);
    }
    if (!this.done && data.length > 0) this.body(data);
    return this.done;
  }

  /** The connection closed: fine when the body runs to EOF, an error when more was promised. */
  end(): void {
    if (this.done) return;
    if (!this.headDone) throw new ResponseError(this.pending ? 'unexpected EOF' : 'EOF');
    if (this.framing === 'eof') { this.done = true; return; }
    throw new ResponseError('unexpected EOF');
  }

  /** The body read so far, as text. */
  text(): string {
    if (this.parts.length === 0) return '';
    const b = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    return b.toString('utf8');
  }

  private parseHead(head: string): void {
    const lines = head.split('\n');
    const statusLine = trimCR(lines[0] ?? '');
    const sp = statusLine.indexOf(' ');
    if (sp < 0) throw broken(`malformed HTTP response ${quote(statusLine)}`);
    const proto = statusLine.slice(0, sp);
    const rest = statusLine.slice(sp + 1).trimStart();
    if (!/^HTTP\/\d\.\d$/.test(proto)) throw broken(`malformed HTTP version ${quote(proto)}`);
    const code = rest.slice(0, 3);
    if (!/^\d{3}$/.test(code) || (rest.length > 3 && rest[3] !== ' ')) throw broken(`malformed HTTP status code ${quote(rest.split(' ')[0] ?? '')}`);
    const status = Number(code);
    let location: string | undefined;
    let contentLength = -1;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = trimCR(lines[i]!);
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw broken(`malformed MIME header line: ${line}`);
      const name = line.slice(0, colon).toLowerCase();
      if (name !== 'location' && name !== 'content-length' && name !== 'transfer-encoding') continue;
      const value = line.slice(colon + 1).trim();
      if (name === 'location') location ??= value;
      else if (name === 'content-length') {
        if (!/^\d+$/.test(value)) throw broken(`bad Content-Length ${quote(value)}`);
        const n = Number(value);
        if (contentLength >= 0 && contentLength !== n) throw broken(`http: message cannot contain multiple Content-Length headers; got ${quote(String(contentLength))} and ${quote(value)}`);
        contentLength = n;
      } else if (value.toLowerCase() === 'chunked') chunked = true;
      else if (value !== '' && value.toLowerCase() !== 'identity') throw broken(`unsupported transfer encoding: ${quote(value)}`);
    }
    if (status >= 100 && status < 200 && status !== 101) {
      // Informational answers (100 Continue, 103 Early Hints) precede the real one.
      if (++this.informational > maxInformational) throw broken('net/http: too many 1xx informational responses');
      return;
    }
    this.status = status;
    this.location = location;
    this.headDone = true;
    if (status === 101 || status === 204 || status === 304) this.framing = 'none';
    else if (chunked) this.framing = 'chunked';
    else if (contentLength >= 0) { this.framing = 'length'; this.remaining = contentLength; }
    else this.framing = 'eof';
    if (this.framing === 'none' || (this.framing === 'length' && this.remaining === 0)) this.done = true;
  }

  private body(data: Buffer): void {
    if (this.framing === 'chunked') { this.chunks(data); return; }
    let d = data;
    if (this.framing === 'length') {
      if (d.length >= this.remaining) { d = d.subarray(0, this.remaining); this.done = true; }
      this.remaining -= d.length;
    }
    this.keep(d);
  }

  private chunks(data: Buffer): void {
    let i = 0;
    while (i < data.length && !this.done) {
      if (this.chunkState === 'data') {
        const n = Math.min(this.remaining, data.length - i);
        this.keep(data.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.chunkState = 'dataEnd';
        continue;
      }
      const nl = data.indexOf(10, i);
      const upto = nl < 0 ? data.length : nl;
      this.chunkLine += data.toString('latin1', i, upto);
      if (this.chunkLine.length > 4096) throw broken('http chunk length too large');
      if (nl < 0) return;
      i = nl + 1;
      const line = trimCR(this.chunkLine);
      this.chunkLine = '';
      if (this.chunkState === 'dataEnd') {
        if (line !== '') throw broken('malformed chunked encoding');
        this.chunkState = 'size';
        continue;
      }
      const hex = line.split(';')[0]!.trim();
      if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) throw broken('invalid byte in chunk length');
      const size = parseInt(hex, 16);
      // The last chunk: trailers may follow, but nothing in them matters to a probe.
      if (size === 0) { this.done = true; return; }
      this.remaining = size;
      this.chunkState = 'data';
    }
  }

  private keep(d: Buffer): void {
    if (d.length === 0) return;
    const room = this.bodyLimit - this.size;
    if (d.length >= room) {
      // Reaching the cap ends the read: upstream keeps the first 10 KiB, only logs the cut, and
      // closes the connection on whatever else the server was sending.
      if (room > 0) this.parts.push(d.subarray(0, room));
      this.size = this.bodyLimit;
      this.done = true;
      return;
    }
    this.parts.push(d);
    this.size += d.length;
  }
}

/** The index just past the blank line that ends the head (CRLF or bare LF lines), or -1. */
function headEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0) return lf < 0 ? -1 : lf + 2;
  if (lf < 0 || crlf < lf) return crlf + 4;
  return lf + 2;
}

const trimCR = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
