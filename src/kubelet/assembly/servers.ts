// The kubelet's listeners: the kubelet API (HTTPS, authn/authz), the stats UI (plain HTTP on
// loopback, otherwise behind the kubelet API's TLS and auth) and /healthz.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { ApiClient } from '../client/client.ts';
import { healthzAnswer, startHealthz, type HealthCheck, type HealthzServer } from '../healthz.ts';
import type { Logger } from '../log.ts';
import type { KubeletOptions } from '../options/options.ts';
import { authorizeRequest, type KubeletAuthOptions } from '../server/auth.ts';
import { cachingReviewer } from '../server/reviewcache.ts';
import { servingCertificate } from '../server/cert.ts';
import { startKubeletServer, type KubeletServerDeps } from '../server/server.ts';
import type { KubeletStats } from '../stats/index.ts';
import { startStatsUI } from '../statsui/index.ts';

export interface ServersDeps {
  options: KubeletOptions;
  nodeName: string;
  nodeIPs: () => string[];
  /** For TokenReview and SubjectAccessReview (webhook authn/authz). */
  api?: ApiClient;
  stats?: KubeletStats;
  /** What the kubelet API serves besides stats and health. */
  serve: Pick<KubeletServerDeps, 'pods' | 'probeMetrics' | 'metrics' | 'logTarget' | 'streaming'>;
  checks: HealthCheck[];
  log: Logger;
  signal: AbortSignal;
}

export interface Servers {
  /** The ports actually bound, 0 for one that is off. */
  port: number;
  statsUIPort: number;
  healthzPort: number;
  close(): Promise<void>;
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export async function startServers(d: ServersDeps): Promise<Servers> {
  const { options, log, signal, checks } = d;
  const clientCaPem = options.clientCAFile ? await readFile(options.clientCAFile, 'utf8') : undefined;
  const reviewer = d.api;
  const auth: KubeletAuthOptions = {
    anonymousAuth: options.anonymousAuth,
    authenticationTokenWebhook: options.authenticationTokenWebhook,
    authorizationMode: options.authorizationMode,
    nodeName: d.nodeName,
    review: reviewer ? cachingReviewer((path, body) => reviewer.create(path, body), {
      tokenMs: options.authenticationTokenWebhookCacheTTLMs,
      authorizedMs: options.authorizationWebhookCacheAuthorizedTTLMs,
      unauthorizedMs: options.authorizationWebhookCacheUnauthorizedTTLMs,
    }) : undefined,
  };
  const statsUIOnLoopback = isLoopback(options.cadvisorBindAddress);
  const needsTls = options.port > 0 || (options.cadvisorPort > 0 && !statsUIOnLoopback);
  const tls = needsTls ? await servingCertificate(options, d.nodeName, d.nodeIPs()) : undefined;
  let port = 0;
  if (options.port > 0 && tls) {
    const server = await startKubeletServer(
      { address: options.address, port: options.port, certPem: tls.certPem, keyPem: tls.keyPem, clientCaPem },
      {
        ...d.serve,
        auth,
        stats: d.stats?.endpoints,
        healthy: () => {
          const a = healthzAnswer(checks);
          return { ok: a.code === 200, message: a.body };
        },
      },
      signal,
    );
    port = server.port;
    log.info('Started kubelet server', { address: options.address, port });
  }
  let statsUIPort = 0;
  if (d.stats && options.cadvisorPort > 0) {
    const secure = !statsUIOnLoopback && tls ? { tls: { certPem: tls.certPem, keyPem: tls.keyPem, clientCaPem }, authorize: (req: IncomingMessage, path: string) => authorizeRequest(req, path, auth) } : {};
    try {
      statsUIPort = (await startStatsUI({ address: options.cadvisorBindAddress, port: options.cadvisorPort, source: d.stats.provider, ...secure }, signal)).port;
      log.info('Started stats UI', { url: `${statsUIOnLoopback ? 'http' : 'https'}://${hostPort(options.cadvisorBindAddress, statsUIPort)}/` });
    } catch (e) {
      // A busy port must not stop the node: the UI is a convenience, the kubelet is not.
      log.error('Stats UI not started', e, { flag: '--cadvisor-port', address: options.cadvisorBindAddress, port: options.cadvisorPort });
    }
  }
  let healthz: HealthzServer | undefined;
  if (options.healthzPort > 0) {
    healthz = await startHealthz(options.healthzBindAddress, options.healthzPort, checks);
    log.info('Started healthz server', { address: options.healthzBindAddress, port: healthz.port });
  }
  return { port, statsUIPort, healthzPort: healthz?.port ?? 0, close: async () => healthz?.close() };
}
