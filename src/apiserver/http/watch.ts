// Watch over HTTP: a chunked stream of `{"type": ..., "object": ...}` lines, as upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import type { Store, WatchEventType, WatchOptions } from '../registry/store.ts';
import { objectJson } from './serialize.ts';
import { toTable, type IncludeObject } from './table.ts';

export interface WatchRequest extends WatchOptions {
  namespace: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  table?: { include: IncludeObject };
}

/** A slow client whose unsent events exceed this is dropped, as upstream drops slow watchers. */
const maxBuffered = 32 * 1024 * 1024;
const bookmarkEveryMs = 60_000;


export async function serveWatch(req: IncomingMessage, res: ServerResponse, store: Store, w: WatchRequest): Promise<void> {
  const done = new AbortController();
  const signal = done.signal;
  const stop = () => done.abort();
  req.on('close', stop);
  res.on('close', stop);
  // Upstream spreads watch timeouts over [30, 60) minutes so reconnects do not come all at once.
  const timeout = (w.timeoutSeconds ?? 1800 * (1 + Math.random())) * 1000;
  const timer = setTimeout(stop, timeout);
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    clearInterval(bookmarks);
    if (!res.writableEnded) res.end();
  });
  let firstTable = true;
  const line = (type: string, obj: KubeObject): string => {
    if (w.table && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = toTable(store.info, store.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion }, {
        include: w.table.include,
        columns: firstTable,
      });
      firstTable = false;
      return `{"type":"${type}","object":${JSON.stringify(table)}}\n`;
    }
    return `{"type":"${type}","object":${objectJson(obj)}}\n`;
  };
  const send = (type: WatchEventType | 'BOOKMARK', obj: KubeObject) => {
    if (signal.aborted) return;
    if (type === 'BOOKMARK' && !w.allowWatchBookmarks && !w.sendInitialEvents) return;
    res.write(line(type, obj));
    if (res.writableLength > maxBuffered) stop();
  };
  const bookmarks = setInterval(() => {
    if (w.allowWatchBookmarks) send('BOOKMARK', store.bookmark(store.cache.revision()));
  }, bookmarkEveryMs);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  try {
    await store.watch(w.namespace, w, send, signal);
  } catch (e) {
    // Once the stream has started, errors (410 Expired above all) travel as an ERROR event.
    const status = e instanceof StatusError ? e.toStatus() : { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: String(e), code: 500 };
    if (!res.writableEnded) res.write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
    stop();
  }
}
