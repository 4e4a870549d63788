// A tiny structured logger in the two shapes upstream components print: klog text
// (`I1127 03:55:00.123456    1234 file.ts:12] "message" key="value"`) or, with
// --logging-format=json, one JSON object a line (`{"ts":…,"caller":…,"msg":…,"v":0,…}`).

export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, err?: unknown, fields?: LogFields): void;
  /** klog's V(level): info lines printed only at --v=level or more. */
  v(level: number): Pick<Logger, 'info'>;
}

export interface LoggerOptions {
  format?: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
  pid?: number;
  /** --v: the most detailed level printed (default 0). */
  verbosity?: number;
}

type Severity = 'I' | 'W' | 'E';

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? 'text';
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const pid = opts.pid ?? process.pid;
  const verbosity = opts.verbosity ?? 0;
  const emit = (sev: Severity, msg: string, fields: LogFields = {}, level = 0) => {
    const caller = callerOf();
    write(format === 'json' ? jsonLine(sev, now(), caller, msg, fields, level) : klogLine(sev, now(), pid, caller, msg, fields));
  };
  const levels = new Map<number, Pick<Logger, 'info'>>();
  return {
    info: (msg, fields) => emit('I', msg, fields),
    warn: (msg, fields) => emit('W', msg, fields),
    error: (msg, err, fields) => emit('E', msg, err === undefined ? fields : { ...fields, err: errorText(err) }),
    v(level) {
      if (level > verbosity) return silentLogger;
      let l = levels.get(level);
      if (!l) levels.set(level, (l = { info: (msg, fields) => emit('I', msg, fields, level) }));
      return l;
    },
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, v: () => silentLogger };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function klogLine(sev: Severity, t: Date, pid: number, caller: string, msg: string, fields: LogFields): string {
  const micros = pad(t.getUTCMilliseconds() * 1000, 6);
  const stamp = `${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}.${micros}`;
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
    .join('');
  return `${sev}${stamp} ${String(pid).padStart(7)} ${caller}] ${JSON.stringify(msg)}${kv}`;
}

export function jsonLine(sev: Severity, t: Date, caller: string, msg: string, fields: LogFields, level = 0): string {
  // Upstream's JSON format: ts in seconds (float), caller, msg, v (verbosity; errors carry err).
  const base: LogFields = { ts: t.getTime() / 1000, caller, msg };
  if (sev !== 'E') base.v = level;
  return JSON.stringify({ ...base, ...fields });
}

/** file:line of the logging call, from a stack only as deep as needed (stacks are costly). */
function callerOf(): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  Error.captureStackTrace(holder, callerOf);
  Error.stackTraceLimit = limit;
  const stack = holder.stack?.split('\n') ?? [];
  for (const frame of stack.slice(1)) {
    if (frame.includes('/kubelet/log.ts')) continue;
    const m = /([^/\\( ]+):(\d+):\d+\)?$/.exec(frame.trim());
    if (m) return `${m[1]}:${m[2]}`;
  }
  return '???:0';
}
