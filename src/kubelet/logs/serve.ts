// Serving one container's log file as `kubectl logs` asks: the selection of what is there,
// then (with follow) new lines as the runtime appends them, until the container stops.
import { open, readFile, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseCriLine, renderLine, selectLog, type LogOptions } from './crilog.ts';

export interface FollowOptions extends LogOptions {
  follow?: boolean;
  /** Still running? Following ends once this turns false and the file has no more to give. */
  running?: () => boolean;
  signal: AbortSignal;
  pollMs?: number;
}

/** Writes the log at path to out; resolves when done (or, following, when stopped). */
export async function serveLog(path: string, out: Writable, o: FollowOptions): Promise<void> {
  const content = await readFile(path, 'utf8');
  let limit = o.limitBytes;
  const first = selectLog(content, o);
  out.write(first);
  if (limit !== undefined) limit -= Buffer.byteLength(first);
  if (!o.follow || (limit !== undefined && limit <= 0)) return;

  let offset = Buffer.byteLength(content);
  let rest = '';
  const handle = await open(path, 'r');
  try {
    while (!o.signal.aborted) {
      const size = (await stat(path)).size;
      if (size > offset) {
        const buf = Buffer.alloc(size - offset);
        await handle.read(buf, 0, buf.length, offset);
        offset = size;
        const lines = (rest + buf.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const text of lines) {
          const l = parseCriLine(text);
          if (!l || (o.stream && l.stream !== o.stream)) continue;
          let s = renderLine(l, o.timestamps ?? false);
          if (limit !== undefined) {
            if (limit <= 0) return;
            s = Buffer.from(s).subarray(0, limit).toString('utf8');
            limit -= Buffer.byteLength(s);
          }
          out.write(s);
        }
        continue;
      }
      if (o.running && !o.running()) return;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
    }
  } finally {
    await handle.close();
  }
}
