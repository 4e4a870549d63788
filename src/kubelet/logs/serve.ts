// Serving one container's log file as `kubectl logs` asks: the selection of what is there,
// then (with follow) new lines as the runtime appends them, until the container stops.
//
// Following survives rotation (logs/rotation.ts renames the live file to `<path>.<stamp>` and the
// runtime reopens a fresh one at the path), as upstream's ReadLogs does on a rename: the renamed
// file is read to its end, then the file after it. The runtime may still write to the renamed
// file until its reopen has swapped files, so the reader moves on only a poll turn after the new
// file got its first bytes (or once the container has stopped).
import { once } from 'node:events';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { realClock, type Clock } from '../clock.ts';
import { parseCriLine, renderLine, selectLog, splitLines, type LogLine, type LogOptions } from './crilog.ts';
import { nextRotatedLog, rotatedLogNames, statIfExists } from './rotation.ts';

export interface FollowOptions extends LogOptions {
  follow?: boolean;
  /** Still running? Following ends once this turns false and the file has no more to give. */
  running?: () => boolean;
  signal: AbortSignal;
  pollMs?: number;
  /** The poll's sleeps; default realClock. */
  clock?: Clock;
}

const CHUNK = 64 * 1024;

/** Writes the log at path to out; resolves when done (or, following, when stopped). */
export async function serveLog(path: string, out: Writable, o: FollowOptions): Promise<void> {
  const first = await openLog(path);
  if (!first) throw Object.assign(new Error(`failed to open log file "${path}": open ${path}: no such file or directory`), { code: 400 });
  const follower = new Follower(path, first, out, o.signal);
  try {
    const all = await first.handle.readFile();
    // Following, an unfinished last line is left for the follower to read whole.
    const shown = o.follow ? all.subarray(0, all.lastIndexOf(0x0a) + 1) : all;
    first.offset = shown.length;
    const selected = selectLog(shown.toString('utf8'), o);
    out.write(selected);
    const left = (o.limitBytes ?? Infinity) - Buffer.byteLength(selected);
    if (!o.follow || left <= 0) return;
    await follow(follower, lineWriter(out, o, left), o);
  } finally {
    await follower.close();
  }
}

/** Writes followed lines as kubectl logs shows them; false once limitBytes is used up. */
function lineWriter(out: Writable, o: FollowOptions, limit: number): (l: LogLine) => boolean {
  let left = limit;
  return (l) => {
    if (left <= 0) return false;
    if ((o.stream && l.stream !== o.stream) || (o.sinceTime && l.time < o.sinceTime)) return true;
    const s = Buffer.from(renderLine(l, o.timestamps ?? false));
    const cut = s.length > left ? s.subarray(0, left) : s;
    out.write(cut);
    left -= cut.length;
    return left > 0;
  };
}

async function follow(f: Follower, emit: (l: LogLine) => boolean, o: FollowOptions): Promise<void> {
  let moved = false;
  while (!o.signal.aborted) {
    // Asked before reading: once a stopped container is seen, the read that follows gets all it wrote.
    const running = o.running?.() ?? true;
    if (!(await f.drain(emit))) return;
    const next = await f.successor();
    if (next === undefined) {
      if (!running) return;
    } else if (moved || !running) {
      if (await f.switchTo(next, emit)) {
        moved = false;
        continue;
      }
    } else {
      moved = await hasData(next);
    }
    await (o.clock ?? realClock).sleep(o.pollMs ?? 200, o.signal);
  }
}

/** A log file being read: its handle, identity, where it is now and how far it has been read. */
interface LogFile {
  handle: FileHandle;
  ino: number;
  /** The live path until the file is found renamed by rotation. */
  name: string;
  offset: number;
  /** Bytes of an unfinished line, read but not yet shown. */
  carry: Buffer;
}

/** Follows one container's log from file to file across rotations. */
class Follower {
  private readonly buf = Buffer.allocUnsafe(CHUNK);

  constructor(
    private readonly path: string, private file: LogFile, private readonly out: Writable, private readonly signal: AbortSignal,
  ) {}

  /** Reads the current file to its end, handing each complete line to emit; false once emit wants no more. */
  async drain(emit: (l: LogLine) => boolean): Promise<boolean> {
    const f = this.file;
    for (;;) {
      if (this.signal.aborted) return false;
      const { bytesRead } = await f.handle.read(this.buf, 0, this.buf.length, f.offset);
      if (bytesRead === 0) return true;
      f.offset += bytesRead;
      const split = splitLines(f.carry, this.buf.subarray(0, bytesRead));
      f.carry = split.carry;
      for (const raw of split.lines) if (!emitRaw(raw, emit)) return false;
      // Holding back while the client is slow keeps a fast writer's log out of memory.
      if (this.out.writableNeedDrain) await once(this.out, 'drain', { signal: this.signal }).catch(() => {});
    }
  }

  /**
   * The file that continues the current one once the live path holds another file: the next
   * rotated file (two rotations between turns) or the live one. Undefined while the current file
   * is live, or renamed with no new file yet.
   */
  async successor(): Promise<string | undefined> {
    const live = await inodeOf(this.path);
    if (live === undefined || live === this.file.ino) return undefined;
    const dir = dirname(this.path);
    const logName = basename(this.path);
    const siblings = await readdir(dir).catch((): string[] => []);
    if (this.file.name === this.path) {
      const renamed = await findByInode(dir, rotatedLogNames(logName, siblings), this.file.ino);
      if (renamed) this.file.name = join(dir, renamed);
    }
    const next = this.file.name === this.path ? undefined : nextRotatedLog(logName, basename(this.file.name), siblings);
    return next ? join(dir, next) : this.path;
  }

  /** Moves on to name once the current file is done; false when it is gone again (try later). */
  async switchTo(name: string, emit: (l: LogLine) => boolean): Promise<boolean> {
    const next = await openLog(name);
    if (!next) return false;
    // The runtime ends every line it writes; an unfinished one is a torn write, shown as upstream
    // shows one at the end of a log read without follow.
    if (this.file.carry.length) emitRaw(this.file.carry, emit);
    await this.file.handle.close();
    this.file = next;
    return true;
  }

  async close(): Promise<void> {
    await this.file.handle.close();
  }
}

function emitRaw(raw: Buffer, emit: (l: LogLine) => boolean): boolean {
  const l = parseCriLine(raw.toString('utf8'));
  return !l || emit(l);
}

async function openLog(name: string): Promise<LogFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(name, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { ino } = await handle.stat();
    return { handle, ino, name, offset: 0, carry: Buffer.alloc(0) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

const inodeOf = async (path: string) => (await statIfExists(path))?.ino;
const hasData = async (path: string) => ((await statIfExists(path))?.size ?? 0) > 0;

async function findByInode(dir: string, names: string[], ino: number): Promise<string | undefined> {
  for (const name of names) if ((await inodeOf(join(dir, name))) === ino) return name;
  return undefined;
}
