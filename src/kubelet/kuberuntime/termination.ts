// The termination message of an exited container: the file the container wrote at its
// terminationMessagePath (a host file mounted there), or, with FallbackToLogsOnError on a
// failure, the tail of its log. Limits as upstream: 4 KiB from the file, 80 lines / 2 KiB of log.
import { open } from 'node:fs/promises';

export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
export const FALLBACK_LOG_LINES = 80;
export const FALLBACK_LOG_BYTES = 2048;

/** Reads at most maxBytes from the start of a file; undefined when it cannot be read. */
export async function readHead(path: string, maxBytes: number): Promise<string | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally { await fh.close(); }
  } catch { return undefined; }
}

/** Reads at most maxBytes from the end of a file. */
export async function readTail(path: string, maxBytes: number): Promise<string | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, maxBytes);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally { await fh.close(); }
  } catch { return undefined; }
}

/**
 * The content of CRI-format log lines (`<rfc3339> <stream> <P|F> <text>`), joining partial
 * lines, keeping the last maxLines and at most maxBytes (from the end).
 */
export function tailCriLog(raw: string, maxLines = FALLBACK_LOG_LINES, maxBytes = FALLBACK_LOG_BYTES): string {
  const lines = raw.split('\n');
  let out = '';
  const texts: string[] = [];
  for (const line of lines) {
    if (!line) continue;
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(line);
    if (!m) continue; // a line cut by the byte window, or not CRI format
    out += m[2];
    if (m[1] === 'F') { texts.push(out + '\n'); out = ''; }
  }
  if (out) texts.push(out);
  const joined = texts.slice(-maxLines).join('');
  const bytes = Buffer.from(joined, 'utf8');
  return bytes.length <= maxBytes ? joined : bytes.subarray(bytes.length - maxBytes).toString('utf8');
}

export interface TerminationInput {
  policy: string;
  exitCode: number;
  /** Host path of the file mounted at terminationMessagePath, if any. */
  messageFile?: string;
  logPath?: string;
  runtimeMessage?: string;
}

export async function terminationMessage(i: TerminationInput): Promise<string> {
  let msg = i.messageFile ? (await readHead(i.messageFile, MAX_TERMINATION_MESSAGE_BYTES)) ?? '' : '';
  if (!msg && i.policy === 'FallbackToLogsOnError' && i.exitCode !== 0 && i.logPath) {
    // Read more than the byte limit so that line framing survives the cut.
    const raw = await readTail(i.logPath, FALLBACK_LOG_BYTES * 4 + 8192);
    if (raw) msg = tailCriLog(raw);
  }
  return msg || i.runtimeMessage || '';
}
