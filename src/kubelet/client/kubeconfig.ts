// Where the kubelet's API connection comes from: a kubeconfig file (client certificate and key,
// or a bearer token; the cluster CA), or the legacy --api-servers URL with the kubeconfig's
// credentials. Paths in a kubeconfig are relative to the file, as kubectl resolves them.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ClientConfig {
  /** https://host:port (or http:// for a legacy insecure API server URL). */
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
}

type Named<T> = { name?: string } & T;
interface KubeconfigDoc {
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  'current-context'?: string;
}

/** Reads a kubeconfig's current context (or its only one) into a ClientConfig. */
export async function loadKubeconfig(file: string): Promise<ClientConfig> {
  let doc: KubeconfigDoc;
  try {
    doc = (parse(await readFile(file, 'utf8')) ?? {}) as KubeconfigDoc;
  } catch (e) {
    throw new Error(`invalid kubeconfig ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  const base = dirname(resolve(file));
  const ctxName = doc['current-context'];
  const context = (ctxName ? doc.contexts?.find((c) => c.name === ctxName) : doc.contexts?.[0])?.context;
  const cluster = (context?.cluster ? doc.clusters?.find((c) => c.name === context.cluster) : doc.clusters?.[0])?.cluster;
  const user = (context?.user ? doc.users?.find((u) => u.name === context.user) : doc.users?.[0])?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') {
    throw new Error(`invalid kubeconfig ${JSON.stringify(file)}: no cluster with a server for the current context`);
  }
  const pem = async (data: unknown, path: unknown): Promise<string | undefined> => {
    if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
    if (typeof path === 'string' && path) return readFile(isAbsolute(path) ? path : resolve(base, path), 'utf8');
    return undefined;
  };
  let token = typeof user.token === 'string' && user.token ? user.token : undefined;
  if (!token && typeof user.tokenFile === 'string') token = (await pem(undefined, user.tokenFile))?.trim();
  return {
    server: cluster.server.replace(/\/+$/, ''),
    caPem: await pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
    certPem: await pem(user['client-certificate-data'], user['client-certificate']),
    keyPem: await pem(user['client-key-data'], user['client-key']),
    token,
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}

/**
 * The connection the kubelet uses: the kubeconfig as is, or (legacy) the first --api-servers
 * URL with the kubeconfig's credentials. Undefined when neither is given (standalone mode).
 */
export async function resolveClientConfig(kubeconfig: string | undefined, apiServers: string[]): Promise<ClientConfig | undefined> {
  const fromFile = kubeconfig ? await loadKubeconfig(kubeconfig) : undefined;
  if (apiServers.length === 0) return fromFile;
  const server = apiServers[0].replace(/\/+$/, '');
  if (!/^https?:\/\//.test(server)) throw new Error(`invalid --api-servers URL ${JSON.stringify(apiServers[0])}: must start with https:// or http://`);
  return { ...(fromFile ?? {}), server };
}
