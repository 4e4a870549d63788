// Wraps the API server's request handler with upstream's request metrics: the count and
// duration of every request, the requests in flight (long-running ones apart), and watchers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRequestInfo } from '../http/requestinfo.ts';
import type { ApiServerMetrics } from './metrics.ts';
import { isLongRunning, requestKind, requestLabels } from './labels.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The kind a resource's watchers are counted under (apiserver_registered_watchers). */
export type KindOf = (group: string, version: string, resource: string) => string | undefined;

export function instrumentRequests(metrics: ApiServerMetrics, kindOf: KindOf, handler: Handler, now: () => number = () => performance.now()): Handler {
  return (req, res) => {
    const start = now();
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const labels = requestLabels(req.method ?? 'GET', info, url.searchParams, req.headers['content-type']);
    const done: Array<() => void> = [];
    if (isLongRunning(info)) done.push(metrics.startLongRunning(labels));
    else done.push(metrics.startInflight(requestKind(info)));
    const kind = info.verb === 'watch' ? kindOf(info.apiGroup, info.apiVersion, info.resource) : undefined;
    if (kind) done.push(metrics.startWatcher({ group: info.apiGroup, version: info.apiVersion, kind }));
    res.once('close', () => {
      for (const d of done) d();
      metrics.observeRequest(labels, res.statusCode, (now() - start) / 1000);
    });
    handler(req, res);
  };
}
