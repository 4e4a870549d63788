// Container log rotation, as upstream's container log manager does it: every monitor interval,
// each RUNNING container's CRI log file that has reached --container-log-max-size is renamed to
// `<path>.<YYYYMMDD-hhmmss>` and the runtime is asked to reopen it (ReopenContainerLog). At most
// --container-log-max-files files are kept per container, the live one included: older rotated
// files are gzipped to `<path>.<stamp>.gz` (all but the newest, which a log shipper may still be
// reading) and the oldest are deleted. A failed reopen renames the file back to try again later.
//
// The decision (rotationPlan) is pure; rotateContainerLog / runContainerLogRotation are the shells.
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parseQuantity, quantityValue } from '../../api/quantity.ts';
import { realClock, type Clock } from '../clock.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { CriClient } from '../runtime/cri/client.ts';

export const DEFAULT_CONTAINER_LOG_MAX_SIZE = '10Mi';
export const DEFAULT_CONTAINER_LOG_MAX_FILES = 5;
/** Upstream's containerLogMonitorInterval default. */
export const DEFAULT_CONTAINER_LOG_MONITOR_INTERVAL_MS = 10_000;

const COMPRESS_SUFFIX = '.gz';
const TMP_SUFFIX = '.tmp';

/**
 * --container-log-max-size as bytes. A negative size disables rotation (upstream), which
 * runContainerLogRotation honours by returning at once.
 */
export function parseContainerLogMaxSize(value: string): number {
  try {
    return quantityValue(parseQuantity(value));
  } catch (err) {
    throw new Error(`failed to parse container log max size ${JSON.stringify(value)}: ${(err as Error).message}`);
  }
}

/** Upstream's rotated-file stamp (Go layout "20060102-150405"), in UTC so that names sort in time order. */
export function rotationTimestamp(t: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
}

export type RotationPlan =
  /** Below the size limit: nothing to do. */
  | { action: 'none' }
  /** The live file is missing (e.g. deleted by hand): ask the runtime to create it again. */
  | { action: 'reopen' }
  | {
    action: 'rotate';
    /** Leftovers of interrupted compressions and the oldest rotated files beyond the limit, in this order. */
    remove: string[];
    /** Rotated files to gzip to `<file>.gz` (the original is removed afterwards). */
    compress: string[];
    /** Where the live file is renamed before the runtime reopens it. */
    rotateTo: string;
  };

export interface RotationInput {
  /** The container's log path (CRI ContainerStatus.logPath). */
  logPath: string;
  /** Size of the live file in bytes; undefined when it does not exist. */
  liveSize: number | undefined;
  /** Names (not paths) of the files in the log's directory; unrelated names are ignored. */
  siblings: string[];
  maxSizeBytes: number;
  maxFiles: number;
  now: Date;
}

interface Rotated {
  name: string;
  /** The stamp with its collision counter, the file's identity across compression. */
  key: string;
  stamp: string;
  seq: number;
  kind: 'plain' | 'gz' | 'tmp';
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rotated files of one log among the names of its directory. */
function rotatedFiles(logName: string, siblings: string[]): Rotated[] {
  const re = new RegExp(`^${escapeRe(logName)}\\.(\\d{8}-\\d{6})(?:-(\\d+))?(\\.gz|\\.tmp)?$`);
  const out: Rotated[] = [];
  for (const name of siblings) {
    const m = re.exec(name);
    if (!m) continue;
    const seq = m[2] ? Number(m[2]) : 0;
    const kind = m[3] === COMPRESS_SUFFIX ? 'gz' : m[3] === TMP_SUFFIX ? 'tmp' : 'plain';
    out.push({ name, key: seq ? `${m[1]}-${seq}` : m[1], stamp: m[1], seq, kind });
  }
  return out;
}

const oldestFirst = (a: Rotated, b: Rotated) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq);

/** What one rotation pass should do for one container log (upstream's processContainer + rotateLog). */
export function rotationPlan(input: RotationInput): RotationPlan {
  const { logPath, liveSize, maxSizeBytes, maxFiles, now } = input;
  if (liveSize === undefined) return { action: 'reopen' };
  if (maxSizeBytes < 0 || liveSize < maxSizeBytes) return { action: 'none' };

  const dir = dirname(logPath);
  const all = rotatedFiles(basename(logPath), input.siblings);
  const gzKeys = new Set(all.filter((r) => r.kind === 'gz').map((r) => r.key));
  // Unused: temporaries, and plain files whose compressed copy is already complete.
  const unused = all.filter((r) => r.kind === 'tmp' || (r.kind === 'plain' && gzKeys.has(r.key)));
  const inUse = all.filter((r) => !unused.includes(r)).sort(oldestFirst);
  // After this rotation the live file and the newly rotated one exist besides these.
  const keep = Math.max(0, maxFiles - 2);
  const excess = inUse.slice(0, Math.max(0, inUse.length - keep));
  const kept = inUse.slice(excess.length);

  // Two rotations within one second would share a stamp: add a counter rather than overwrite.
  const stamp = rotationTimestamp(now);
  const taken = new Set(all.map((r) => r.key));
  let key = stamp;
  for (let seq = 1; taken.has(key); seq++) key = `${stamp}-${seq}`;

  return {
    action: 'rotate',
    remove: [...unused, ...excess].map((r) => join(dir, r.name)),
    compress: kept.filter((r) => r.kind === 'plain').map((r) => join(dir, r.name)),
    rotateTo: `${logPath}.${key}`,
  };
}

/** A log's rotated, uncompressed files among the names of its directory, oldest (written first) first. */
export function rotatedLogNames(logName: string, siblings: string[]): string[] {
  return rotatedFiles(logName, siblings).filter((r) => r.kind === 'plain').sort(oldestFirst).map((r) => r.name);
}

/**
 * The rotated file written right after `current` (a rotated name of the same log), for a reader
 * following the log; undefined when the live file comes next. Compressed files are passed over:
 * they are two rotations old, and a reader that far behind has lost them.
 */
export function nextRotatedLog(logName: string, current: string, siblings: string[]): string | undefined {
  const [cur] = rotatedFiles(logName, [current]);
  if (!cur) return undefined;
  return rotatedFiles(logName, siblings).filter((r) => r.kind === 'plain' && oldestFirst(cur, r) < 0).sort(oldestFirst)[0]?.name;
}

/** Gzips file to `<file>.gz`, writing `<file>.tmp` first so a crash never leaves a truncated .gz; then removes file. */
async function compressLog(file: string, signal?: AbortSignal): Promise<void> {
  const tmp = file + TMP_SUFFIX;
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp), { signal });
    await rename(tmp, file + COMPRESS_SUFFIX);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await unlink(file);
}

/** A file's stat; undefined when it does not exist (a log between rename and reopen). */
export async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const sizeOf = async (path: string) => (await statIfExists(path))?.size;

export interface RotateOptions {
  maxSizeBytes: number;
  maxFiles: number;
  now: Date;
  signal?: AbortSignal;
  log?: Logger;
}

export type RotateOutcome = 'none' | 'reopened' | 'rotated';

/**
 * One container's turn: applies rotationPlan. Rejects when the rotation failed (the live
 * file is then back in place if the reopen was what failed).
 */
export async function rotateContainerLog(cri: CriClient, containerId: string, logPath: string, o: RotateOptions): Promise<RotateOutcome> {
  const callOpts = { signal: o.signal };
  const liveSize = await sizeOf(logPath);
  // Most turns end here, as upstream's: a log below the limit needs no look at its directory.
  if (liveSize !== undefined && liveSize < o.maxSizeBytes) return 'none';
  const plan = rotationPlan({
    logPath, liveSize, siblings: await readdir(dirname(logPath)).catch(() => []),
    maxSizeBytes: o.maxSizeBytes, maxFiles: o.maxFiles, now: o.now,
  });
  if (plan.action === 'none') return 'none';
  if (plan.action === 'reopen') {
    await cri.reopenContainerLog(containerId, callOpts);
    return 'reopened';
  }
  for (const f of plan.remove) {
    await unlink(f).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
  }
  for (const f of plan.compress) await compressLog(f, o.signal);
  await rename(logPath, plan.rotateTo);
  try {
    await cri.reopenContainerLog(containerId, callOpts);
  } catch (err) {
    // Put the log back so the next pass can try again; losing it would lose output.
    await rename(plan.rotateTo, logPath).catch((renameErr: unknown) =>
      (o.log ?? silentLogger).error('Failed to rename rotated log', renameErr, { rotatedLog: plan.rotateTo, newLog: logPath, containerID: containerId }));
    throw new Error(`failed to reopen container log "${containerId}": ${(err as Error).message}`, { cause: err });
  }
  return 'rotated';
}

export interface ContainerLogRotationOptions {
  cri: CriClient;
  /** Bytes (see parseContainerLogMaxSize); negative disables rotation. */
  maxSizeBytes: number;
  /** Files kept per container including the live one; at least 2. */
  maxFiles: number;
  intervalMs?: number;
  signal: AbortSignal;
  clock?: Clock;
  log?: Logger;
  /**
   * Log paths learned in earlier passes, by container ID. Upstream asks the runtime (ContainerStatus)
   * for every running container's path on every pass; a container's log path is fixed when it is
   * created, so the loop asks once per container: 220 containers made 22 CRI calls a second.
   */
  logPaths?: Map<string, string>;
}

/** One pass over the running containers; per-container failures are logged, not thrown. */
export async function rotateContainerLogs(o: Omit<ContainerLogRotationOptions, 'intervalMs'>): Promise<Map<string, RotateOutcome>> {
  const log = o.log ?? silentLogger;
  const clock = o.clock ?? realClock;
  const outcomes = new Map<string, RotateOutcome>();
  const containers = await o.cri.listContainers({ state: { state: 'CONTAINER_RUNNING' } }, { signal: o.signal });
  const logPaths = o.logPaths ?? new Map<string, string>();
  const running = new Set(containers.map((c) => c.id));
  for (const id of logPaths.keys()) if (!running.has(id)) logPaths.delete(id);
  for (const c of containers) {
    if (o.signal.aborted) break;
    // Only running containers write; a stopped one would just get an empty live file.
    if (c.state !== 'CONTAINER_RUNNING') continue;
    try {
      let logPath = logPaths.get(c.id);
      if (logPath === undefined) {
        logPath = (await o.cri.containerStatus(c.id, false, { signal: o.signal })).status?.logPath ?? '';
        logPaths.set(c.id, logPath);
      }
      if (!logPath) continue;
      const outcome = await rotateContainerLog(o.cri, c.id, logPath, {
        maxSizeBytes: o.maxSizeBytes, maxFiles: o.maxFiles, now: clock.now(), signal: o.signal, log,
      });
      outcomes.set(c.id, outcome);
      if (outcome !== 'none') log.info(outcome === 'rotated' ? 'Rotated container log' : 'Reopened missing container log', { containerID: c.id, path: logPath });
    } catch (err) {
      if (o.signal.aborted) break;
      log.error('Failed to rotate log for container', err, { containerID: c.id });
    }
  }
  return outcomes;
}

/** The rotation loop: a pass at once, then one every intervalMs until the signal aborts. */
export async function runContainerLogRotation(o: ContainerLogRotationOptions): Promise<void> {
  if (!Number.isInteger(o.maxFiles) || o.maxFiles <= 1) throw new RangeError(`invalid MaxFiles ${o.maxFiles}, must be > 1`);
  if (o.maxSizeBytes < 0) return;
  const log = o.log ?? silentLogger;
  const clock = o.clock ?? realClock;
  const intervalMs = o.intervalMs ?? DEFAULT_CONTAINER_LOG_MONITOR_INTERVAL_MS;
  const logPaths = new Map<string, string>();
  while (!o.signal.aborted) {
    try {
      await rotateContainerLogs({ ...o, clock, log, logPaths });
    } catch (err) {
      if (!o.signal.aborted) log.error('Failed to rotate container logs', err);
    }
    await clock.sleep(intervalMs, o.signal);
  }
}

/** Removes a container's live and rotated log files (upstream's Clean), e.g. when the container is removed. */
export async function removeContainerLogs(logPath: string): Promise<void> {
  const names = await readdir(dirname(logPath)).catch(() => [] as string[]);
  const prefix = basename(logPath);
  for (const name of names) {
    if (name !== prefix && !name.startsWith(`${prefix}.`)) continue;
    await unlink(join(dirname(logPath), name)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
  }
}
