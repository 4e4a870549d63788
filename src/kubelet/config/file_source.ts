// The file source (upstream's pkg/kubelet/config/file.go): a directory of static pod manifests
// (or one file), read again every period and soon after fs.watch reports a change. Each file
// holds one pod; hidden files and subdirectories are skipped; a file that fails is reported on
// its own and the others carry on. Unchanged files (same inode, size and times) are not read again.
import { createHash } from 'node:crypto';
import { statSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Pod } from '../../api/core/index.ts';
import { realClock, type Clock } from '../clock.ts';
import { maxManifestBytes, parseManifestText } from './manifest.ts';
import { prepareStaticPod } from './static_pod.ts';
import type { SourceErrorHandler, UpdateHandler } from './types.ts';
import { Waker } from './wake.ts';

export interface FileSourceOptions {
  /** A directory of manifests, or a single manifest file. */
  path: string;
  nodeName: string;
  /** --file-check-frequency (default 20 s). */
  periodMs?: number;
  signal: AbortSignal;
  onUpdate: UpdateHandler;
  onError?: SourceErrorHandler;
  clock?: Clock;
  /** React to fs.watch events (default true). */
  watch?: boolean;
  /** Quiet time after an fs event before reading (default 100 ms): editors write in bursts. */
  debounceMs?: number;
}

interface CachedFile {
  /** What says the file may have changed: an atomic replace changes the inode, an edit mtime/ctime/size. */
  stamp: string;
  /** MD5 of the content: what the emitted set's signature is made of. */
  digest: string;
  pod?: Pod;
  error?: string;
}

export interface ScanResult {
  /** The pods, in file name order. */
  pods: Pod[];
  /** One message per rejected file (or for the path itself), naming the file. */
  errors: string[];
  /** Changes whenever the pods would: a new file, a changed one, one gone. */
  signature: string;
}

/** Reads a manifest path into pods, remembering each file by inode, size and times. */
export class ManifestDirReader {
  private cache = new Map<string, CachedFile>();

  constructor(private readonly path: string, private readonly nodeName: string) {}

  async scan(): Promise<ScanResult> {
    let files: string[];
    try {
      files = await this.listFiles();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // As upstream: a missing path is an empty set (so the source counts as seen), and an error.
      if (err.code === 'ENOENT') return { pods: [], errors: [`${this.path}: path does not exist, ignoring`], signature: '' };
      throw new Error(`${this.path}: unable to read config path: ${err.message}`);
    }
    const next = new Map<string, CachedFile>();
    const pods: Pod[] = [];
    const errors: string[] = [];
    const signature: string[] = [];
    for (const file of files) {
      const entry = await this.readFile(file);
      if (!entry) continue;
      next.set(file, entry);
      if (entry.pod) {
        pods.push(structuredClone(entry.pod));
        signature.push(`${file}\0${entry.digest}`);
      } else if (entry.error) errors.push(entry.error);
    }
    this.cache = next;
    return { pods, errors, signature: signature.join('\n') };
  }

  /** The regular files to read: the path itself, or the directory's visible entries (not recursing). */
  private async listFiles(): Promise<string[]> {
    const info = await stat(this.path);
    if (!info.isDirectory()) return [this.path];
    const names = (await readdir(this.path)).filter((n) => !n.startsWith('.')).sort();
    return names.map((n) => join(this.path, n));
  }

  private async readFile(file: string): Promise<CachedFile | undefined> {
    let info;
    try {
      info = await stat(file);
    } catch {
      return undefined; // gone between listing and reading
    }
    if (!info.isFile()) return undefined;
    const cached = this.cache.get(file);
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    if (cached && cached.stamp === stamp) return cached;
    const base = { stamp };
    if (info.size > maxManifestBytes) return { ...base, digest: '', error: `${file}: the file is larger than ${maxManifestBytes} bytes` };
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined; // removed or unreadable mid-read: the next pass will see it as it is
    }
    const digest = createHash('md5').update(text).digest('hex');
    return { ...base, digest, ...decodeManifestFile(file, text, this.nodeName) };
  }
}

/** One manifest file's pod, or an error naming the file (and the field, where one is at fault). */
export function decodeManifestFile(file: string, text: string, nodeName: string): { pod?: Pod; error?: string } {
  let doc: unknown;
  try {
    doc = parseManifestText(text);
  } catch (e) {
    return { error: `${file}: couldn't parse as pod: ${(e as Error).message}` };
  }
  const result = prepareStaticPod(doc, { nodeName, source: 'file', origin: file });
  return result.pod ? { pod: result.pod } : { error: `${file}: ${result.error}` };
}

/** Runs the file source until the signal aborts. Emits the full set whenever it changes (and once at start). */
export async function watchFileSource(o: FileSourceOptions): Promise<void> {
  const clock = o.clock ?? realClock;
  const periodMs = o.periodMs ?? 20_000;
  const reader = new ManifestDirReader(o.path, o.nodeName);
  const waker = new Waker(clock, o.signal);
  const watcher = o.watch === false ? undefined : new DebouncedWatch(o.path, clock, o.signal, o.debounceMs ?? 100, () => waker.wake());
  let lastSignature: string | undefined;
  let lastErrors = new Set<string>();
  try {
    while (!o.signal.aborted) {
      watcher?.ensure();
      let result: ScanResult | undefined;
      let errors: string[];
      try {
        result = await reader.scan();
        errors = result.errors;
      } catch (e) {
        errors = [(e as Error).message]; // the directory itself failed: keep the last set
      }
      if (o.signal.aborted) break;
      // Each distinct failure is reported once, when it appears.
      for (const m of errors) if (!lastErrors.has(m)) o.onError?.('file', m);
      lastErrors = new Set(errors);
      if (result && result.signature !== lastSignature) {
        lastSignature = result.signature;
        o.onUpdate({ op: 'SET', source: 'file', pods: result.pods });
      }
      await waker.wait(periodMs);
    }
  } finally {
    watcher?.close();
  }
}

/** fs.watch on the manifest directory (or a single file's directory), re-armed if it fails. */
class DebouncedWatch {
  private watcher: FSWatcher | undefined;
  private target = '';
  private debouncing = false;

  constructor(
    private readonly path: string,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    private readonly debounceMs: number,
    private readonly onChange: () => void,
  ) {}

  /** (Re)arms the watch on the right directory: the path's own, or its parent while it is a file or missing. */
  ensure(): void {
    if (this.signal.aborted) return;
    let target = dirname(this.path);
    try {
      if (statSync(this.path).isDirectory()) target = this.path;
    } catch {
      // missing: watch the parent so that its creation is noticed
    }
    if (this.watcher && this.target === target) return;
    this.close();
    try {
      const w = fsWatch(target, { persistent: false }, () => this.changed());
      w.on('error', () => {
        w.close();
        if (this.watcher === w) this.watcher = undefined;
      });
      this.watcher = w;
      this.target = target;
    } catch {
      // The parent is missing too: the periodic pass still runs, and we try again next period.
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private changed(): void {
    if (this.debouncing) return;
    this.debouncing = true;
    void this.clock.sleep(this.debounceMs, this.signal).then(() => {
      this.debouncing = false;
      if (!this.signal.aborted) this.onChange();
    });
  }
}
