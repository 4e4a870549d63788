// Container logs in the CRI format the runtime writes ("<RFC3339Nano> <stream> <P|F> <text>"),
// read back with kubectl logs' options: tailLines, sinceSeconds/sinceTime, timestamps, limitBytes.

export interface LogLine {
  time: Date;
  /** The timestamp text as written (nanosecond precision). */
  timestamp: string;
  stream: 'stdout' | 'stderr';
  /** False for a partial line ("P"): the runtime split a long line; the next one continues it. */
  full: boolean;
  text: string;
}

export interface LogOptions {
  tailLines?: number;
  sinceTime?: Date;
  timestamps?: boolean;
  limitBytes?: number;
  /** Only this stream (upstream's Stream option); both when absent. */
  stream?: 'stdout' | 'stderr';
}

/** Parses one line of a CRI log file; undefined for a malformed line. */
export function parseCriLine(line: string): LogLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const timestamp = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) return undefined;
  return { time, timestamp, stream, full: !tag.startsWith('P'), text: c < 0 ? '' : line.slice(c + 1) };
}

/** What `kubectl logs` prints for one line: the text, a newline for full lines, the timestamp first if asked. */
export function renderLine(l: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${l.timestamp} ` : ''}${l.text}${l.full ? '\n' : ''}`;
}

/** The selected output of a whole log file's text, as the kubelet serves it without follow. */
export function selectLog(content: string, o: LogOptions): string {
  let lines = content.split('\n').filter((s) => s.length > 0).map(parseCriLine).filter((l): l is LogLine => !!l);
  if (o.stream) lines = lines.filter((l) => l.stream === o.stream);
  if (o.sinceTime) lines = lines.filter((l) => l.time >= o.sinceTime!);
  if (o.tailLines !== undefined && o.tailLines >= 0) {
    // tailLines counts whole lines: a partial chunk belongs to the full line that ends it.
    let count = 0;
    let start = lines.length;
    while (start > 0 && count < o.tailLines) {
      start--;
      if (lines[start].full) count++;
      while (start > 0 && !lines[start - 1].full) start--;
    }
    lines = lines.slice(start);
  }
  let out = lines.map((l) => renderLine(l, o.timestamps ?? false)).join('');
  if (o.limitBytes !== undefined && Buffer.byteLength(out) > o.limitBytes) out = Buffer.from(out).subarray(0, o.limitBytes).toString('utf8');
  return out;
}

/**
 * Splits bytes read from a log into its complete lines (without the newline), carrying an
 * unfinished last line over to the next read. Works on bytes, so a read that ends inside a
 * multi-byte character leaves it whole for the next.
 */
export function splitLines(carry: Buffer, chunk: Buffer): { lines: Buffer[]; carry: Buffer } {
  const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, nl));
    start = nl + 1;
  }
  // A copy: the caller may reuse chunk's memory for its next read.
  return { lines, carry: Buffer.from(bytes.subarray(start)) };
}
