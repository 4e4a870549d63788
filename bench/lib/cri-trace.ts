// A transparent CRI proxy for profiling: gRPC is HTTP/2, so each call is one stream that can be
// forwarded as is while its method, arrival and end are recorded. Point a kubelet's
// --container-runtime-endpoint at `path` to see when it calls the runtime and how long each call takes.
import { connect, createServer, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { rmSync } from 'node:fs';

export interface CriCall {
  method: string;
  /** performance.now() when the call arrived and when its trailers went back. */
  start: number;
  end?: number;
  /** UUIDs found in the request (a pod's UID in sandbox configs and label filters). */
  uids: string[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export interface CriTraceProxy {
  path: string;
  calls: CriCall[];
  close(): Promise<void>;
}

const { HTTP2_HEADER_STATUS } = constants;

function withoutPseudo(h: IncomingHttpHeaders, keep: string[] = []): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') || keep.includes(k)) out[k] = v;
  return out;
}

export async function startCriTraceProxy(upstreamSocket: string, path: string): Promise<CriTraceProxy> {
  rmSync(path, { force: true });
  const calls: CriCall[] = [];
  let upstream: ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = connect('http://localhost', { createConnection: () => netConnect(upstreamSocket) });
      upstream.on('error', () => {});
    }
    return upstream;
  };
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const call: CriCall = { method: String(headers[':path'] ?? '').split('/').pop() ?? '', start: performance.now(), uids: [] };
    // Protobuf keeps strings as bytes, so a pod UID in the request can be found without decoding it.
    let body = '';
    stream.on('data', (d: Buffer) => { if (body.length < 65_536) body += d.toString('latin1'); });
    stream.on('end', () => { call.uids = [...new Set(body.match(UUID) ?? [])]; });
    calls.push(call);
    const req = session().request(withoutPseudo(headers, [':method', ':path', ':scheme', ':authority']));
    let trailers: OutgoingHttpHeaders = {};
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) {
        // Trailers-only (an error or an empty answer): the headers are the trailers.
        stream.respond(withoutPseudo(h, [HTTP2_HEADER_STATUS]), { endStream: true });
        call.end = performance.now();
        return;
      }
      stream.respond(withoutPseudo(h, [HTTP2_HEADER_STATUS]), { waitForTrailers: true });
      req.pipe(stream);
    });
    req.on('trailers', (t) => (trailers = withoutPseudo(t)));
    stream.on('wantTrailers', () => {
      stream.sendTrailers(trailers);
      call.end = performance.now();
    });
    req.on('error', () => stream.destroy());
    stream.on('error', () => req.destroy());
    stream.pipe(req);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    calls,
    close: async () => {
      upstream?.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Per method: how many calls, when they arrived (ms after t0: first, median, last) and how long they took (p50, max). */
export function summarizeCalls(calls: CriCall[], t0: number, t1 = Infinity): Record<string, Record<string, number>> {
  const by = new Map<string, CriCall[]>();
  for (const c of calls) if (c.start >= t0 && c.start <= t1) by.set(c.method, [...(by.get(c.method) ?? []), c]);
  const mid = (v: number[]) => v[Math.floor(v.length / 2)] ?? NaN;
  const r = (v: number) => Math.round(v);
  const out: Record<string, Record<string, number>> = {};
  for (const [m, cs] of [...by].sort((a, b) => a[1][0].start - b[1][0].start)) {
    const arrivals = cs.map((c) => c.start - t0).sort((a, b) => a - b);
    const durations = cs.filter((c) => c.end !== undefined).map((c) => c.end! - c.start).sort((a, b) => a - b);
    out[m] = {
      n: cs.length,
      first_ms: r(arrivals[0]), median_ms: r(mid(arrivals)), last_ms: r(arrivals[arrivals.length - 1]),
      took_p50_ms: r(mid(durations)), took_max_ms: r(durations[durations.length - 1] ?? NaN),
    };
  }
  return out;
}
