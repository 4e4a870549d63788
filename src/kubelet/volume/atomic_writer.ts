// Projects a set of files into a directory the way upstream's AtomicWriter does, so that a
// container never sees a half-updated volume:
//   <dir>/..2026_11_27_03_55_00.123456/<files>   the current generation
//   <dir>/..data -> ..2026_11_27_03_55_00.123456  swapped with one rename(2)
//   <dir>/<top-level name> -> ..data/<top-level name>
// An update with identical content and modes changes nothing on disk.

import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { applyVolumeOwnership, fsGroupMode } from './fsgroup.ts';

export interface FileProjection {
  data: Buffer;
  /** Permission bits (e.g. 0o644). */
  mode: number;
  /** Owner for the file (upstream's FsUser), when set. */
  fsUser?: number;
}

/** Relative path -> file. */
export type Payload = Map<string, FileProjection>;

export interface AtomicWriteOptions {
  /** Applies securityContext.fsGroup ownership to the projected files (read-only volume masks). */
  fsGroup?: number;
  now?: () => Date;
}

const dataDirName = '..data';
const newDataDirName = '..data_tmp';

/** Why a payload path is unacceptable, or undefined when it is fine (upstream's validatePath rules). */
export function invalidPayloadPath(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.length > 4096) return 'must be less than or equal to 4096 characters';
  if (posix.isAbsolute(path)) return 'must be a relative path';
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return "must not contain '..'";
  if (path.startsWith('..')) return "must not start with '..'";
  if (segments.some((s) => s.length > 255)) return 'each path segment must be less than or equal to 255 characters';
  return undefined;
}

/** The payload with cleaned paths; throws on a path that could escape the directory. */
export function cleanPayload(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [raw, file] of payload) {
    const why = invalidPayloadPath(raw);
    if (why) throw new Error(`invalid path ${JSON.stringify(raw)}: ${why}`);
    const clean = posix.normalize(raw).replace(/\/+$/, '');
    if (invalidPayloadPath(clean)) throw new Error(`invalid path ${JSON.stringify(raw)}`);
    out.set(clean, file);
  }
  return out;
}

/** The top-level names the payload makes visible in the target directory. */
export function userVisibleNames(paths: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const p of paths) names.add(p.split('/')[0]);
  return names;
}

/** Upstream's generation directory prefix: `..` + the time as 2006_01_02_15_04_05 + `.`. */
export function generationPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

// The file operations below are synchronous on purpose: each takes microseconds on the tmpfs (or
// local disk) these volumes live on, while as promises they queue in libuv's four-thread pool
// behind every other pod's: with 50 pods starting at once that wait was near a second per volume.

function currentGeneration(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, dataDirName));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Whether the generation directory already holds exactly this payload (content and modes). */
function generationMatches(genDir: string, payload: Payload, fsGroup: number | undefined): boolean {
  let existing: string[];
  try {
    existing = listFiles(genDir);
  } catch {
    return false;
  }
  if (existing.length !== payload.size) return false;
  for (const [path, file] of payload) {
    try {
      const full = join(genDir, path);
      const st = statSync(full);
      const want = fsGroup === undefined ? file.mode & 0o7777 : fsGroupMode(file.mode, false, true);
      if ((st.mode & 0o7777) !== want) return false;
      if (file.fsUser !== undefined && st.uid !== file.fsUser) return false;
      if (fsGroup !== undefined && st.gid !== fsGroup) return false;
      if (!readFileSync(full).equals(file.data)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function ensureUserVisibleLinks(dir: string, names: Set<string>): void {
  for (const name of names) {
    const link = join(dir, name);
    const want = posix.join(dataDirName, name);
    try {
      const st = lstatSync(link);
      if (st.isSymbolicLink() && readlinkSync(link) === want) continue;
      rmSync(link, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    symlinkSync(want, link);
  }
}

/** Writes a new generation directory with the payload; returns its name. */
function writeGeneration(dir: string, payload: Payload, now: Date): string {
  const genDir = mkdtempSync(join(dir, generationPrefix(now)));
  try {
    chmodSync(genDir, 0o755);
    for (const [path, file] of payload) {
      const full = join(genDir, path);
      mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
      writeFileSync(full, file.data, { mode: file.mode });
      chmodSync(full, file.mode & 0o7777); // the umask must not narrow the requested mode
      if (file.fsUser !== undefined) chownSync(full, file.fsUser, -1);
    }
  } catch (e) {
    rmSync(genDir, { recursive: true, force: true });
    throw e;
  }
  return genDir.slice(dir.length + 1);
}

/**
 * Writes payload into dir atomically. Returns whether a new generation was written
 * (false when the directory already held exactly this payload).
 */
export async function writeAtomic(dir: string, rawPayload: Payload, opts: AtomicWriteOptions = {}): Promise<boolean> {
  const payload = cleanPayload(rawPayload);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const oldGen = currentGeneration(dir);
  const wanted = userVisibleNames(payload.keys());
  if (oldGen && generationMatches(join(dir, oldGen), payload, opts.fsGroup)) {
    ensureUserVisibleLinks(dir, wanted);
    return false;
  }
  let oldNames = new Set<string>();
  if (oldGen) {
    try {
      oldNames = userVisibleNames(listFiles(join(dir, oldGen)));
    } catch { /* a broken old generation: nothing of it to keep */ }
  }

  const genName = writeGeneration(dir, payload, (opts.now ?? (() => new Date()))());
  const genDir = join(dir, genName);
  try {
    if (opts.fsGroup !== undefined) await applyVolumeOwnership(genDir, opts.fsGroup, true);
    const tmpLink = join(dir, newDataDirName);
    rmSync(tmpLink, { force: true });
    symlinkSync(genName, tmpLink);
    renameSync(tmpLink, join(dir, dataDirName));
  } catch (e) {
    rmSync(genDir, { recursive: true, force: true });
    throw e;
  }

  ensureUserVisibleLinks(dir, wanted);
  for (const name of oldNames) if (!wanted.has(name)) rmSync(join(dir, name), { force: true, recursive: true });
  // Old generations (including ones a crash left behind) go once ..data no longer points at them.
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..') && entry !== dataDirName && entry !== genName && entry !== newDataDirName) {
      rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
  if (opts.fsGroup !== undefined) await applyVolumeOwnership(dir, opts.fsGroup, true).catch(() => undefined);
  return true;
}
