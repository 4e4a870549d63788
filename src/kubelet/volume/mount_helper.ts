// One long-lived shell that runs mount(8) and umount(8) for the kubelet. Spawning a process from
// the kubelet costs it milliseconds of its single event loop per call (forking a large process);
// a small shell forks for nothing, runs each request in its own background subshell (so mounts
// of different pods never wait on each other) and answers on a pipe. Started on first use;
// it ends when its stdin closes (close(), or the kubelet exiting for any reason).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * What the shell runs per request line `<id> <op> <arg|-> <target>` (arg: a tmpfs's size, a bind's
 * source); answers `\x01<id> <rc> <output>\x02`. A bind's source is never canonicalized: it is a
 * /proc/<pid>/fd/<n> link that must stay the open file it names (upstream's --no-canonicalize).
 */
const script = `
while IFS= read -r line; do
  id=\${line%% *}; rest=\${line#* }; op=\${rest%% *}; rest=\${rest#* }; arg=\${rest%% *}; target=\${rest#* }
  (
    case $op in
      tmpfs)
        if [ "$arg" = - ]; then out=$(mount -t tmpfs tmpfs "$target" 2>&1)
        else out=$(mount -t tmpfs -o "size=$arg" tmpfs "$target" 2>&1); fi ;;
      bind) out=$(mount --no-canonicalize --bind "$arg" "$target" 2>&1) ;;
      umount) out=$(umount "$target" 2>&1) ;;
      *) out="unknown operation $op"; false ;;
    esac
    rc=$?
    printf '\\001%s %s %s\\002' "$id" "$rc" "$out"
  ) &
done
`;

export type MountOp =
  | { op: 'tmpfs'; target: string; sizeBytes?: number }
  | { op: 'bind'; source: string; target: string }
  | { op: 'umount'; target: string };

/** The request line for an operation; throws on a target or source the line protocol cannot carry. */
export function requestLine(id: number, m: MountOp): string {
  if (!m.target.startsWith('/') || /[\n\r\0]/.test(m.target)) throw new Error(`invalid mount target ${JSON.stringify(m.target)}`);
  if (m.op === 'bind' && !/^\/[^\s\0]*$/.test(m.source)) throw new Error(`invalid bind mount source ${JSON.stringify(m.source)}`);
  const arg = m.op === 'bind' ? m.source : m.op === 'tmpfs' && m.sizeBytes !== undefined && m.sizeBytes > 0 ? String(Math.ceil(m.sizeBytes)) : '-';
  return `${id} ${m.op} ${arg} ${m.target}\n`;
}

export interface HelperReply { id: number; rc: number; output: string }

/** Splits the helper's output into replies; returns them and the unfinished rest. */
export function parseReplies(buffered: string): { replies: HelperReply[]; rest: string } {
  const replies: HelperReply[] = [];
  let rest = buffered;
  for (;;) {
    const start = rest.indexOf('\x01');
    const end = start < 0 ? -1 : rest.indexOf('\x02', start);
    if (end < 0) break;
    const rec = rest.slice(start + 1, end);
    rest = rest.slice(end + 1);
    const m = /^(\d+) (\d+) ?([\s\S]*)$/.exec(rec);
    if (m) replies.push({ id: Number(m[1]), rc: Number(m[2]), output: m[3]!.trim() });
  }
  return { replies, rest };
}

/** How an operation reads in errors, as the command line it stands for. */
export function commandOf(m: MountOp): string {
  if (m.op === 'umount') return `umount ${m.target}`;
  if (m.op === 'bind') return `mount --no-canonicalize --bind ${m.source} ${m.target}`;
  const size = m.sizeBytes !== undefined && m.sizeBytes > 0 ? ` -o size=${Math.ceil(m.sizeBytes)}` : '';
  return `mount -t tmpfs${size} tmpfs ${m.target}`;
}

interface Pending { m: MountOp; ok: () => void; fail: (e: Error) => void }

export class MountHelper {
  private child?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = '';

  /** shell: the helper (default /bin/sh); env: its environment (tests put fake mount(8) on PATH). */
  constructor(private readonly opts: { shell?: string; env?: NodeJS.ProcessEnv } = {}) {}

  run(m: MountOp): Promise<void> {
    const id = this.nextId++;
    const line = requestLine(id, m);
    return new Promise((ok, fail) => {
      const child = this.started();
      this.pending.set(id, { m, ok, fail });
      this.hold(true);
      child.stdin!.write(line);
    });
  }

  /** Ends the helper (its running requests finish; their answers are dropped). */
  close(): void {
    const child = this.child;
    this.child = undefined;
    child?.stdin?.end();
    this.failAll(new Error('mount helper closed'));
  }

  private started(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(this.opts.shell ?? '/bin/sh', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'], env: this.opts.env });
    this.child = child;
    this.buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stdin!.on('error', () => {}); // a dead helper shows as its exit, below
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.failAll(new Error(`mount helper ${why}`));
    };
    child.on('error', (e) => gone(`failed: ${e.message}`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    this.hold(false);
    return child;
  }

  private onData(chunk: string): void {
    const { replies, rest } = parseReplies(this.buffered + chunk);
    this.buffered = rest;
    for (const r of replies) {
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      if (r.rc === 0) p.ok();
      else p.fail(new Error(`${commandOf(p.m)} failed: ${r.output || `exit status ${r.rc}`}`));
    }
    if (this.pending.size === 0) this.hold(false);
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.fail(e);
  }

  /** The helper keeps the process alive only while it owes answers. */
  private hold(on: boolean): void {
    const c = this.child;
    if (!c) return;
    // Piped stdio are net.Sockets, which hold the event loop until unref'd.
    const pipes = [c.stdout, c.stdin] as (Socket | null)[];
    if (on) { c.ref(); for (const p of pipes) p?.ref(); } else { c.unref(); for (const p of pipes) p?.unref(); }
  }
}
