// A containerd that Berth starts and stops itself (tests, `berth up`): everything it owns
// lives under one directory, and stop() leaves no pods, shims or mounts behind.
//
// Note: containerd 1.6 still uses a few machine-global paths (/run/containerd/s for shim
// sockets, /run/containerd/runc, /var/lib/cni), so only one managed containerd should run
// on a machine at a time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerdConfig } from './config.ts';
import { createCriClient } from '../kubelet/runtime/cri/client.ts';

const CONTAINERD = '/usr/bin/containerd';
/** sun_path is 108 bytes including the NUL. */
const MAX_SOCKET_PATH = 107;

export interface StartContainerdOptions {
  /** Everything goes under it: root/, state/, config.toml, the socket (when its path fits). */
  dir: string;
  cniConfDir: string;
  cniBinDir?: string;
  sandboxImage: string;
  signal?: AbortSignal;
  /** A file for containerd's stdout/stderr; discarded when absent. */
  log?: string;
  /** How long to wait for the CRI to answer Version (default 30 s). */
  startTimeoutMs?: number;
}

export interface ManagedContainerd {
  /** The gRPC socket path (use as a CRI endpoint, or `unix://${address}`). */
  address: string;
  snapshotter: 'overlayfs' | 'native';
  pid: number;
  /** Stops and removes every pod sandbox, terminates containerd, then any shims and mounts left. */
  stop(): Promise<void>;
}

/** Whether this process may lower its oom_score_adj (needs CAP_SYS_RESOURCE; not so in many sandboxes). */
export function canLowerOomScoreAdj(): boolean {
  const current = Number(readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  if (current <= -1000) return false;
  // A child shell tries it on itself, so our own score is left alone.
  const r = spawnSync('/bin/sh', ['-c', `echo ${current - 1} > /proc/self/oom_score_adj`], { stdio: 'ignore' });
  return r.status === 0;
}

/** Whether overlayfs can be mounted on the filesystem holding `dir` (not over overlay, tmpfs-in-userns, …). */
export function overlayfsWorks(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  const probe = mkdtempSync(join(dir, 'overlay-probe-'));
  try {
    for (const d of ['l', 'u', 'w', 'm']) mkdirSync(join(probe, d));
    const opts = `lowerdir=${probe}/l,upperdir=${probe}/u,workdir=${probe}/w`;
    const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', opts, join(probe, 'm')], { stdio: 'ignore' });
    if (r.status !== 0) return false;
    spawnSync('umount', [join(probe, 'm')], { stdio: 'ignore' });
    return true;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** The socket path: under dir when short enough (ttrpc adds ".ttrpc"), else a short one in tmp. */
export function socketPathFor(dir: string): string {
  const inside = join(dir, 'containerd.sock');
  if (Buffer.byteLength(`${inside}.ttrpc`) <= MAX_SOCKET_PATH) return inside;
  const tag = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return join(tmpdir(), `berth-ctrd-${tag}.sock`);
}

export async function startContainerd(opts: StartContainerdOptions): Promise<ManagedContainerd> {
  const root = join(opts.dir, 'root');
  const state = join(opts.dir, 'state');
  mkdirSync(root, { recursive: true });
  mkdirSync(state, { recursive: true });
  mkdirSync(opts.cniConfDir, { recursive: true });
  const address = socketPathFor(opts.dir);
  rmSync(address, { force: true });
  const snapshotter = overlayfsWorks(root) ? 'overlayfs' : 'native';
  const configPath = join(opts.dir, 'config.toml');
  writeFileSync(configPath, containerdConfig({
    root, state, address,
    cniConfDir: opts.cniConfDir,
    cniBinDir: opts.cniBinDir,
    sandboxImage: opts.sandboxImage,
    restrictOomScoreAdj: !canLowerOomScoreAdj(),
    snapshotter,
  }));

  const logFd = opts.log ? openSync(opts.log, 'a') : undefined;
  const child = spawn(CONTAINERD, ['--config', configPath], {
    stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'ignore'],
    // Its own session, as a service of its own: its threads, shims and runc then share one
    // scheduling group (autogroup) instead of competing one by one with the kubelet's event loop,
    // and a terminal's Ctrl-C reaches only Berth, which stops containerd after the kubelet.
    detached: true,
  });
  if (logFd !== undefined) closeSync(logFd);
  let exited = false;
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.once('error', () => { exited = true; });

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopManaged(child, exitedP, () => exited, address, opts.dir));
  opts.signal?.addEventListener('abort', () => { void stop(); }, { once: true });

  try {
    await waitForCri(address, opts.startTimeoutMs ?? 30_000, () => exited, opts.signal);
  } catch (err) {
    await stop();
    const tail = opts.log && existsSync(opts.log) ? `\n${readFileSync(opts.log, 'utf8').split('\n').slice(-15).join('\n')}` : '';
    throw new Error(`containerd did not become ready: ${(err as Error).message}${tail}`);
  }
  return { address, snapshotter, pid: child.pid ?? -1, stop };
}

async function waitForCri(address: string, timeoutMs: number, hasExited: () => boolean, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastErr: unknown = new Error('socket never appeared');
  while (Date.now() < until) {
    if (signal?.aborted) throw new Error('aborted');
    if (hasExited()) throw new Error('containerd exited during startup');
    if (existsSync(address)) {
      const cri = createCriClient(address, { timeoutMs: 2000 });
      try {
        await cri.version();
        return;
      } catch (err) {
        lastErr = err;
      } finally {
        cri.close();
      }
    }
    await sleep(100);
  }
  throw lastErr;
}

async function stopManaged(child: ChildProcess, exitedP: Promise<void>, hasExited: () => boolean, address: string, dir: string): Promise<void> {
  if (!hasExited()) {
    await removeAllPods(address).catch(() => { /* best effort: shims are killed below anyway */ });
    child.kill('SIGTERM');
    const timer = new AbortController();
    const done = await Promise.race([
      exitedP.then(() => true),
      sleep(10_000, false, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (!done) { child.kill('SIGKILL'); await exitedP; }
  }
  killShimsOf(address);
  unmountUnder(dir);
  rmSync(address, { force: true });
  rmSync(`${address}.ttrpc`, { force: true });
}

/** Stops and removes every pod sandbox of the containerd at address, so CNI tears their networks down. */
export async function removeAllPods(address: string): Promise<void> {
  const cri = createCriClient(address, { timeoutMs: 20_000 });
  try {
    for (const pod of await cri.listPodSandbox()) {
      await cri.stopPodSandbox(pod.id).catch(() => {});
      await cri.removePodSandbox(pod.id).catch(() => {});
    }
  } finally {
    cri.close();
  }
}

export interface ProcessEntry { pid: number; ppid: number; state: string; argv: string[] }

/** State (field 3, 'Z' for a zombie) and parent PID (field 4) of a /proc/<pid>/stat line; the command may hold spaces, so split after ')'. Pure. */
export function parseStatParent(stat: string): { state: string; ppid: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, ppid: Number(f[1]) };
}

/** Every process now, with its parent and command line (those that end while we look are skipped). */
export function listProcesses(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const { state, ppid } = parseStatParent(readFileSync(`/proc/${name}/stat`, 'utf8'));
      out.push({ pid: Number(name), ppid, state, argv: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch { /* the process ended while we looked */ }
  }
  return out;
}

/** Shims outlive containerd by design; kill the ones serving our address, and their containers. */
export function killShimsOf(address: string): number[] {
  const procs = listProcesses();
  const shims = procs.filter((p) => /containerd-shim/.test(p.argv[0] ?? '') &&
    p.argv.some((a, i) => a === '-address' && p.argv[i + 1] === address));
  const victims: number[] = [];
  const collect = (pid: number) => {
    for (const c of procs) if (c.ppid === pid) collect(c.pid);
    victims.push(pid);
  };
  for (const s of shims) collect(s.pid);
  for (const pid of victims) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  return victims;
}

/** Lazily unmounts everything mounted under dir (rootfs, shm, netns leftovers), deepest first. */
export function unmountUnder(dir: string): void {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
}
