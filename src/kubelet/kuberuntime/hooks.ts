// Lifecycle hooks (postStart, preStop): exec in the container, HTTP GET against the pod, or
// sleep. Returns an error message, or undefined when the hook succeeded.
import type { Clock } from '../clock.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import type { Container, LifecycleHandler } from '../../api/core/index.ts';
import { hookGet, type HookGet } from './hook_http.ts';

export interface HookContext {
  cri: CriClient;
  clock: Clock;
  containerId: string;
  container: Container;
  podIPs: string[];
  /** Seconds the hook may take (0: no limit). */
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** The httpGet client; default hookGet (upstream's: no certificate checks). */
  fetch?: HookGet;
}

export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export async function runHook(h: LifecycleHandler, ctx: HookContext): Promise<string | undefined> {
  try {
    if (h.exec) {
      const cmd = h.exec.command ?? [];
      const r = await ctx.cri.execSync(ctx.containerId, cmd, ctx.timeoutSeconds, { signal: ctx.signal });
      if (r.exitCode === 0) return undefined;
      const out = (r.stdout.toString() + r.stderr.toString()).trim();
      return `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${out}`;
    }
    if (h.httpGet) {
      const g = h.httpGet;
      const host = g.host || ctx.podIPs[0] || '127.0.0.1';
      const port = resolvePort(g.port, ctx.container);
      if (port === undefined) return `couldn't find port: ${String(g.port)} in container ${ctx.container.name}`;
      const scheme = (g.scheme ?? 'HTTP').toLowerCase();
      const hostPart = host.includes(':') ? `[${host}]` : host;
      let path = g.path ?? '/';
      if (!path.startsWith('/')) path = `/${path}`;
      const headers: Record<string, string> = { 'User-Agent': 'kube-lifecycle/1.32', Accept: '*/*' };
      for (const hh of g.httpHeaders ?? []) headers[hh.name] = hh.value;
      const signals = [ctx.signal, ctx.timeoutSeconds > 0 ? AbortSignal.timeout(ctx.timeoutSeconds * 1000) : undefined]
        .filter((s): s is AbortSignal => !!s);
      // As upstream, only a failed request fails the hook, not the status code.
      await (ctx.fetch ?? hookGet)(`${scheme}://${hostPart}:${port}${path}`, headers, signals.length ? AbortSignal.any(signals) : undefined);
      return undefined;
    }
    if (h.sleep) {
      // Cut off when the hook's time is up (a preStop's: the grace period), as upstream's.
      const seconds = Math.max(0, h.sleep.seconds);
      await ctx.clock.sleep((ctx.timeoutSeconds > 0 ? Math.min(seconds, ctx.timeoutSeconds) : seconds) * 1000, ctx.signal);
      return undefined;
    }
    if (h.tcpSocket) return 'tcpSocket is not a supported lifecycle handler';
    return 'a lifecycle handler needs exec, httpGet or sleep';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
